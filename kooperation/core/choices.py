"""`get_FOO_display()` for our models without rebuilding every choice on each call.

Django's `Model._get_FIELD_display` builds `dict(make_hashable(field.flatchoices))` on every call,
which hashes each (lazily translated) label and so translates every choice of the field just to show
one. The start pages call it about ten times each (agreement status), the lists far more. Here each
field's value → label mapping is built once; the labels stay lazy, so the current language still
decides the text, and an unknown value is shown as itself, as Django does.
"""

from __future__ import annotations

from functools import partialmethod

from django.apps import apps
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable

# Our apps' models get the faster method; third-party models keep Django's.
OWN_APPS = ("kooperation", "ops", "network", "agreements", "conferences")


def display_method(field):
    """The `get_<field>_display` method for `field` (its choices read once, when first called)."""
    labels: dict | None = None

    def display(self):
        nonlocal labels
        if labels is None:
            labels = {make_hashable(value): label for value, label in field.flatchoices}
        value = getattr(self, field.attname)
        return force_str(labels.get(make_hashable(value), value), strings_only=True)

    display.__name__ = f"get_{field.name}_display"
    display.__doc__ = f"The label of {field.name}'s value (lazy label, current language)."
    return display


def install() -> None:
    """Replace the `get_FOO_display` Django added for each field with fixed choices in our apps' models.

    A method a model defines itself is left alone, and so are choices given as a callable (they may
    change while the process runs).
    """
    for model in apps.get_models():
        if model._meta.app_label not in OWN_APPS:
            continue
        for field in model._meta.concrete_fields:
            name = f"get_{field.name}_display"
            added = model.__dict__.get(name)
            if (
                isinstance(added, partialmethod)
                and added.keywords.get("field") is field
                and isinstance(field.choices, (list, tuple))
            ):
                setattr(model, name, display_method(field))
