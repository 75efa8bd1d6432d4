"""Icons from the vendored Bootstrap Icons sprite (static/vendor/bootstrap-icons/)."""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.base import Node
from django.templatetags.static import static
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString

register = template.Library()

SPRITE = "vendor/bootstrap-icons/bootstrap-icons.svg"


@lru_cache(maxsize=128)
def _icon_markup(name: str, css: str) -> SafeString:
    # The markup depends only on the icon, its classes and the sprite's URL: built once per worker.
    return format_html(
        '<svg class="{}" aria-hidden="true" focusable="false"><use href="{}#{}"></use></svg>',
        f"bi {css}".strip(),
        static(SPRITE),
        name,
    )


@receiver(setting_changed)
def _forget_sprite_url(*, setting, **kwargs):
    """The sprite's URL follows the static files settings (changed only in tests)."""
    if setting in {"STATIC_URL", "STORAGES", "FORCE_SCRIPT_NAME"}:
        _icon_markup.cache_clear()


def icon(name: str, css: str = "") -> SafeString:
    """Render one icon from the sprite; decorative, so hidden from screen readers (the text beside it speaks)."""
    return _icon_markup(str(name), str(css))


class IconNode(Node):
    """{% icon name [css] [as var] %}; literal arguments are resolved once, when the template is compiled."""

    child_nodelists = ()

    def __init__(self, args, target_var):
        self.args = args
        self.target_var = target_var
        literal = all(not arg.filters and not arg.is_var for arg in args)
        self.constant = tuple(arg.var for arg in args) if literal else None

    def render(self, context):
        values = self.constant if self.constant is not None else [arg.resolve(context) for arg in self.args]
        output = icon(*values)
        if self.target_var is not None:
            context[self.target_var] = output
            return ""
        return conditional_escape(output) if context.autoescape else output


@register.tag("icon")
def do_icon(parser, token):
    bits = token.split_contents()[1:]
    target_var = None
    if len(bits) >= 2 and bits[-2] == "as":
        target_var = bits[-1]
        bits = bits[:-2]
    if not 1 <= len(bits) <= 2 or any("=" in bit for bit in bits):
        raise template.TemplateSyntaxError("{% icon %} takes an icon name and optional CSS classes.")
    return IconNode([parser.compile_filter(bit) for bit in bits], target_var)
