"""The rows of a protocol's formsets, rendered in Python (kooperation/core/compact.py) with one option cache each."""

from __future__ import annotations

from django import template

from kooperation.core.compact import (
    render_cells,
    render_hidden,
    render_hidden_fields,
    render_management_form,
    render_row,
)

register = template.Library()


def _options(formset) -> dict:
    """One dict per formset: a select's options are escaped once for all its rows."""
    return formset.__dict__.setdefault("_compact_options", {})


@register.simple_tag
def management_form(formset):
    """The formset's hidden counters, without Django's widget templates."""
    return render_management_form(formset)


@register.simple_tag
def hidden_input(field):
    """One hidden field (e.g. the version of the main form)."""
    return render_hidden(field)


@register.simple_tag
def row_hidden_fields(form):
    """The hidden inputs of a row (id, version, parent)."""
    return render_hidden_fields(form)


@register.simple_tag
def row_cells(form, formset):
    """A row as table cells (its form's `table_columns`), the options shared with the formset's other rows."""
    return render_cells(form, form.table_columns, options=_options(formset))


@register.simple_tag
def row_grid(form, formset):
    """A row as one Bootstrap grid row (its form's `compact_columns`), the options shared with the other rows."""
    return render_row(form, form.compact_columns, options=_options(formset))
