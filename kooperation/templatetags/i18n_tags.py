"""Django's i18n template library with a cheaper {% translate %} for literal messages.

Settings register this module as the "i18n" library, so `{% load i18n %}` loads it. Every tag and
filter is Django's own except `translate`/`trans`: for a literal message without filters or `noop`
Django's node renders it once per language (and message context) and the result is reused, instead of
building, resolving and escaping a lazy string on every render. The output is exactly Django's.
"""

from __future__ import annotations

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.base import Variable
from django.templatetags import i18n as django_i18n
from django.utils.safestring import SafeData
from django.utils.translation import get_language

register = template.Library()
register.tags.update(django_i18n.register.tags)
register.filters.update(django_i18n.register.filters)


# (language, message context, message, autoescape) → the rendered translation. A catalogue does not
# change while the process runs, so the keys are bounded by the templates' literal messages.
_rendered: dict[tuple[str | None, str | None, str, bool], str] = {}


@receiver(setting_changed)
def _forget_translations(*, setting, **kwargs):
    """Django rebuilds its catalogues when these settings change (tests); so does this cache."""
    if setting in {"LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS", "USE_I18N"}:
        _rendered.clear()


class LiteralTranslateNode(django_i18n.TranslateNode):
    """{% translate "literal" [context …] [as var] %}: Django's rendering, remembered per language."""

    def __init__(self, node: django_i18n.TranslateNode):
        super().__init__(node.filter_expression, node.noop, node.asvar, node.message_context)
        self.literal = node.filter_expression.var.literal
        # Django's own node for the same message, without `as`: it renders each value once.
        self.plain = django_i18n.TranslateNode(node.filter_expression, node.noop, None, node.message_context)

    def render(self, context):
        message_context = self.message_context.resolve(context) if self.message_context else None
        key = (get_language(), message_context, self.literal, context.autoescape)
        try:
            value = _rendered[key]
        except KeyError:
            value = _rendered[key] = self.plain.render(context)
        if self.asvar:
            context[self.asvar] = value
            return ""
        return value


def _is_literal(node: django_i18n.TranslateNode) -> bool:
    expression = node.filter_expression
    var = expression.var
    return (
        not node.noop
        and not expression.filters
        and expression.is_var
        and isinstance(var, Variable)
        and var.lookups is None
        and isinstance(var.literal, SafeData)
        and isinstance(var.literal, str)
    )


@register.tag("translate")
@register.tag("trans")
def do_translate(parser, token):
    node = django_i18n.do_translate(parser, token)
    return LiteralTranslateNode(node) if _is_literal(node) else node
