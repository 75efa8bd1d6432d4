"""Django's template backend, knowing that our "i18n" library deliberately replaces Django's."""

from __future__ import annotations

from django.template.backends import django as django_backend

# `{% load i18n %}` loads this module instead of Django's (it keeps every tag of Django's and renders
# literal {% translate %} messages once per language); see TEMPLATES["OPTIONS"]["libraries"].
INTENDED_OVERRIDES = {"i18n": {"django.templatetags.i18n", "kooperation.templatetags.i18n_tags"}}


class DjangoTemplates(django_backend.DjangoTemplates):
    """The same backend; its check for two libraries of one name skips the override we intend."""

    def _check_for_template_tags_with_the_same_name(self):
        warnings = super()._check_for_template_tags_with_the_same_name()
        return [warning for warning in warnings if not self._is_intended(warning.msg)]

    @staticmethod
    def _is_intended(message: str) -> bool:
        for name, modules in INTENDED_OVERRIDES.items():
            listed = ", ".join(repr(module) for module in sorted(modules))
            if message == f"{name!r} is used for multiple template tag modules: {listed}":
                return True
        return False
