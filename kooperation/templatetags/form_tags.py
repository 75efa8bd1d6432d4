"""Form rendering without crispy for the many rows of a protocol (see kooperation/core/compact.py)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html_join

from kooperation.core.compact import render_field

register = template.Library()


@register.simple_tag
def compact_field(field, help_text: bool = True, wrapper: str = "mb-2"):
    """Label, widget, help text and German errors of one bound field, as one string."""
    return render_field(field, help_text=help_text, wrapper=wrapper)


@register.simple_tag
def hidden_fields(form):
    """The hidden inputs of a form (id, version, parent) in one string."""
    return format_html_join("", "{}", ((field.as_widget(),) for field in form.hidden_fields()))
