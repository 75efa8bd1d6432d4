"""Template helpers for print templates."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def css_string(value) -> SafeString:
    """Quote any text as a CSS string; every character but letters, digits and spaces is escaped.

    Safe inside <style>: quotes, backslashes, newlines and '<' can never end the string or the element.
    """
    text = str(value)
    # CSS consumes one whitespace after a hex escape: the added space ends the escape, a real one survives.
    escaped = "".join(c if c.isalnum() or c == " " else f"\\{ord(c):06x} " for c in text)
    return SafeString(f'"{escaped}"')
