"""Django's i18n template library with a cheaper {% translate %} for literal messages.

Settings register this module as the "i18n" library, so `{% load i18n %}` loads it. Every tag and
filter is Django's own except `translate`/`trans`: for a literal message without filters or `noop`
it calls gettext (or pgettext) directly at render time instead of building a lazy string, resolving
it as a template variable and escaping it. The output is exactly Django's: the message literal is
safe (a template literal), so its translation is not escaped, and doubled percent signs come back
as single ones.
"""

from __future__ import annotations

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.base import Variable
from django.templatetags import i18n as django_i18n
from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import get_language, gettext, pgettext

register = template.Library()
register.tags.update(django_i18n.register.tags)
register.filters.update(django_i18n.register.filters)


# (language, message context, message id) → the rendered translation. A language's catalogue does not
# change while the process runs, so the keys are bounded by the templates' literal messages.
_rendered: dict[tuple[str | None, str | None, str], str] = {}


@receiver(setting_changed)
def _forget_translations(*, setting, **kwargs):
    """Django rebuilds its catalogues when these settings change (tests); so does this cache."""
    if setting in {"LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS", "USE_I18N"}:
        _rendered.clear()


class LiteralTranslateNode(django_i18n.TranslateNode):
    """{% translate "literal" [context "…"] [as var] %}: the translation looked up without a lazy detour."""

    def __init__(self, node: django_i18n.TranslateNode):
        super().__init__(node.filter_expression, node.noop, node.asvar, node.message_context)
        literal = node.filter_expression.var.literal
        # As Variable.resolve prepares a message id for translation.
        msgid = literal.replace("%", "%%")
        self.msgid = mark_safe(msgid) if isinstance(literal, SafeData) else msgid

    def render(self, context):
        message_context = self.message_context.resolve(context) if self.message_context else None
        key = (get_language(), message_context, self.msgid)
        try:
            value = _rendered[key]
        except KeyError:
            value = _rendered[key] = self._translate(message_context)
        if self.asvar:
            context[self.asvar] = value
            return ""
        return value


    def _translate(self, message_context):
        value = pgettext(message_context, self.msgid) if message_context else gettext(self.msgid)
        is_safe = isinstance(value, SafeData)
        value = value.replace("%%", "%")
        return mark_safe(value) if is_safe else value


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
