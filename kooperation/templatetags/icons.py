"""Icons from the vendored Bootstrap Icons sprite (static/vendor/bootstrap-icons/)."""

from __future__ import annotations

from django import template
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()

SPRITE = "vendor/bootstrap-icons/bootstrap-icons.svg"


@register.simple_tag
def icon(name: str, css: str = "") -> SafeString:
    """Render one icon from the sprite; decorative, so hidden from screen readers (the text beside it speaks)."""
    classes = f"bi {css}".strip()
    return format_html(
        '<svg class="{}" aria-hidden="true" focusable="false"><use href="{}#{}"></use></svg>',
        classes,
        static(SPRITE),
        name,
    )
