"""The project's i18n library renders {% translate %} exactly like Django's, in every language."""

import pytest
from django.template import Context, Engine, Template
from django.utils import translation

DJANGO = Engine(libraries={"i18n": "django.templatetags.i18n"})

SOURCES = [
    '{% load i18n %}{% translate "Übersicht" %}|{% translate "Fälle" %}',
    '{% load i18n %}{% translate "100% sicher & <b>fett</b>" %}',
    "{% load i18n %}{% translate 'Kooperation' %}",
    '{% load i18n %}{% translate "Monat" context "Kalender" %}|{% translate "Monat" context ctx %}',
    '{% load i18n %}{% translate "Kooperation" as title %}[{{ title }}]',
    '{% load i18n %}{% translate "Kooperation" noop %}|{% translate name %}|{% translate "Fälle"|upper %}',
    '{% load i18n %}{% autoescape off %}{% translate "a & b" %}{% endautoescape %}',
    '{% load i18n %}{% translate "Fälle" %}{% language "en" %}{% translate "Fälle" %}{% endlanguage %}',
]


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("language", ["de", "en"])
def test_translate_renders_like_django(source, language):
    context = {"ctx": "Kalender", "name": "Übersicht"}
    with translation.override(language):
        ours = Template(source).render(Context(context))
        ours_again = Template(source).render(Context(context))
        django = DJANGO.from_string(source).render(Context(context))
    assert ours == ours_again == django


def test_translate_follows_the_active_language():
    template = Template('{% load i18n %}{% translate "Übersicht" %}')
    with translation.override("en"):
        english = template.render(Context())
    with translation.override("de"):
        german = template.render(Context())
    assert german == "Übersicht"
    assert english != german


@pytest.mark.parametrize("source", ['{% load icons %}{% icon "pencil" %}', "{% load icons %}{% icon name css %}"])
def test_icon_literal_and_variable_arguments(source):
    html = Template(source).render(Context({"name": "pencil", "css": ""}))
    assert html == (
        '<svg class="bi" aria-hidden="true" focusable="false">'
        '<use href="/static/vendor/bootstrap-icons/bootstrap-icons.svg#pencil"></use></svg>'
    )


def test_icon_as_variable():
    html = Template('{% load icons %}{% icon "x" "me-1" as i %}<b>{{ i }}</b>').render(Context())
    assert html.startswith('<b><svg class="bi me-1"')


def test_system_checks_accept_the_intended_i18n_override_only():
    """`check --deploy --fail-level WARNING` runs in CI: our "i18n" library must not warn, another clash must."""
    from django.core import checks
    from django.template import engines

    from kooperation.core.template_engine import DjangoTemplates

    engine = engines.all()[0]
    assert isinstance(engine, DjangoTemplates)
    assert engine._check_for_template_tags_with_the_same_name() == []
    assert "templates.W003" not in {m.id for m in checks.run_checks(tags=[checks.Tags.templates])}
    clash = {"libraries": {**engine.engine.libraries, "icons": "kooperation.templatetags.i18n_tags"}}
    other = DjangoTemplates(
        {"NAME": "clash", "DIRS": [], "APP_DIRS": True, "OPTIONS": {**clash, "context_processors": []}}
    )
    messages = other._check_for_template_tags_with_the_same_name()
    assert [m.id for m in messages] == ["templates.W003"]
    assert "'icons' is used for multiple template tag modules" in messages[0].msg
