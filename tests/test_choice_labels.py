"""get_FOO_display of our models: the label dict is built once, the text is Django's in each language."""

from __future__ import annotations

from functools import partialmethod

import pytest
from django.apps import apps
from django.db.models import Model
from django.utils import translation

from kooperation.core.choices import OWN_APPS


def _choice_fields():
    for model in apps.get_models():
        if model._meta.app_label not in OWN_APPS:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field.choices, (list, tuple)):
                yield model, field


def test_every_fixed_choice_field_of_our_models_uses_the_cached_labels():
    fields = list(_choice_fields())
    assert len(fields) >= 20  # agreement status, roles, task status, decisions …
    for model, field in fields:
        method = model.__dict__[f"get_{field.name}_display"]
        assert not isinstance(method, partialmethod), f"{model.__name__}.{field.name} keeps Django's method"


@pytest.mark.parametrize("language", ["de", "en"])
def test_labels_equal_djangos_for_every_value_and_an_unknown_one(language):
    with translation.override(language):
        for model, field in _choice_fields():
            for value in [value for value, _label in field.flatchoices] + ["kein-gültiger-wert", None]:
                instance = model()
                setattr(instance, field.attname, value)
                ours = getattr(instance, f"get_{field.name}_display")()
                assert ours == Model._get_FIELD_display(instance, field), (model.__name__, field.name, value)


def test_the_label_follows_the_active_language():
    from agreements.models import Agreement, Status

    agreement = Agreement(status=Status.IN_KRAFT)
    with translation.override("de"):
        german = agreement.get_status_display()
    with translation.override("en"):
        english = agreement.get_status_display()
    assert german == "In Kraft"
    assert english != german
