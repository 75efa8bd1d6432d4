"""Icons from the vendored Bootstrap Icons sprite (static/vendor/bootstrap-icons/)."""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()

SPRITE = "vendor/bootstrap-icons/bootstrap-icons.svg"


@lru_cache(maxsize=64)
def _icon_markup(name: str, css: str, sprite: str) -> SafeString:
    return format_html(
        '<svg class="{}" aria-hidden="true" focusable="false"><use href="{}#{}"></use></svg>',
        f"bi {css}".strip(),
        sprite,
        name,
    )


@register.simple_tag
def icon(name: str, css: str = "") -> SafeString:
    """Render one icon from the sprite; decorative, so hidden from screen readers (the text beside it speaks)."""
    # The markup depends only on the icon, its classes and the sprite's URL: built once per worker.
    return _icon_markup(name, css, static(SPRITE))
