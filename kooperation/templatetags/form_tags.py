"""Form rendering without crispy's templates (see kooperation/core/compact.py).

``{% form_body form %}`` and ``{% form_field form.x %}`` write what crispy's ``|crispy`` and
``|as_crispy_field`` filters write for Bootstrap 5; the ``compact_*`` tags lay out the many rows of a protocol.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html_join
from django.utils.translation import gettext as _

from kooperation.core.compact import render_cells, render_field, render_form, render_row

register = template.Library()


@register.simple_tag
def form_body(form, layout: bool = False):
    """The whole form as ``{{ form|crispy }}`` lays it out: its own errors, hidden and visible fields.

    ``layout=True``: the fields its helper's layout names, as ``{% crispy form %}`` shows them (a layout of
    field names only).
    """
    return render_form(form, layout=layout)


@register.simple_tag
def form_field(field):
    """One field as ``{{ field|as_crispy_field }}`` lays it out: label (required marked), widget, help, errors."""
    return render_field(field, wrapper="mb-3", inline=False, required=True)


@register.simple_tag
def compact_field(field, help_text: bool = True, wrapper: str = "mb-2"):
    """Label, widget, help text and German errors of one bound field, as one string."""
    return render_field(field, help_text=help_text, wrapper=wrapper)


@register.simple_tag
def hidden_fields(form):
    """The hidden inputs of a form (id, version, parent) in one string."""
    return format_html_join("", "{}", ((field.as_widget(),) for field in form.hidden_fields()))


@register.simple_tag
def compact_row(form):
    """A formset row laid out by its form's `compact_columns` (field name → Bootstrap column classes)."""
    return render_row(form, form.compact_columns)


@register.simple_tag
def compact_cells(form):
    """A formset row as table cells, for the tables of conferences/snippets/table_rows.html."""
    return render_cells(form, form.table_columns)


@register.simple_tag
def column_labels(formset):
    """(label, css) of each visible field of the formset's rows: the header of a row table."""
    # A saved row has every column; a new one has no "Löschen" field but an empty cell in its place
    # (render_cells), so the column is there whenever rows of the formset can be deleted.
    form = formset.forms[0] if formset.forms else formset.empty_form
    columns = [(field.label, form.table_columns.get(field.name, "")) for field in form.visible_fields()]
    if formset.can_delete and "DELETE" in form.table_columns and "DELETE" not in form.fields:
        columns.append((_("Löschen"), form.table_columns["DELETE"]))
    return columns
