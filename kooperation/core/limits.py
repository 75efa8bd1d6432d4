"""Upper bounds on what one request may carry: rows per formset, numbers, dates.

A person never enters more than a few dozen rows at once, a position beyond a thousand or a date
outside 1900–2100; anything larger is a mistake or an attack and is refused with a German form
error before it costs time or reaches the database.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.forms.formsets import TOTAL_FORM_COUNT
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

MAX_ROWS = 50
"""Rows one formset may submit (a page of goals, participants, tasks …)."""

MAX_POSITION = 1000
"""Largest position of an ordered row."""

MAX_VERSION = 2**31 - 1
"""A row's version counter fits a 32-bit integer column."""

DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2100, 12, 31)

TOO_MANY_ROWS = ngettext_lazy(
    "Bitte höchstens %(num)d Zeile auf einmal speichern.",
    "Bitte höchstens %(num)d Zeilen auf einmal speichern.",
    "num",
)


def row_limits(max_rows: int = MAX_ROWS) -> dict:
    """Keyword arguments for formset_factory and friends: at most `max_rows` rows, refused early.

    A few rows over the limit are shown again with the error; a count beyond absolute_max is
    forged and builds no new rows at all (RowLimitMixin).
    """
    return {"max_num": max_rows, "validate_max": True, "absolute_max": max_rows + 10}


class RowLimitMixin:
    """A formset whose TOTAL_FORMS exceeds absolute_max builds only its saved rows and is refused.

    Django would still build and render absolute_max forms for a forged count; this answers a
    forged request as cheaply as a normal one. The German error names the limit (max_num).
    """

    default_error_messages = {"too_many_forms": TOO_MANY_ROWS}

    def total_form_count(self):
        if self.is_bound:
            submitted = self.management_form.cleaned_data.get(TOTAL_FORM_COUNT) or 0
            if submitted > self.absolute_max:
                return min(self.initial_form_count(), self.max_num)
        return super().total_form_count()


def position_validators() -> list:
    return [
        MinValueValidator(1, _("Die Position muss mindestens 1 sein.")),
        MaxValueValidator(MAX_POSITION, _("Die Position darf höchstens %(limit_value)s sein.")),
    ]


def bound_order_field(field: forms.IntegerField) -> None:
    """Limit a formset's ORDER field to 1 … MAX_POSITION (Django's own has no bounds)."""
    field.min_value, field.max_value = 1, MAX_POSITION
    field.validators = [*field.validators, *position_validators()]
    field.widget.attrs.update({"min": 1, "max": MAX_POSITION})


def date_validators() -> list:
    return [
        MinValueValidator(DATE_MIN, _("Bitte ein Datum ab dem Jahr 1900 angeben.")),
        MaxValueValidator(DATE_MAX, _("Bitte ein Datum bis zum Jahr 2100 angeben.")),
    ]


class BoundedDateField(forms.DateField):
    """A date between 1900 and 2100: year 1 or 9999 is a typo, and date arithmetic on it overflows."""

    default_validators = date_validators()


MAX_MONTHS = 1200
"""A term, interval or notice period of at most a hundred years."""


def month_validators(minimum: int = 1) -> list:
    return [
        MinValueValidator(minimum, _("Bitte mindestens %(limit_value)s Monat(e) angeben.")),
        MaxValueValidator(MAX_MONTHS, _("Bitte höchstens %(limit_value)s Monate angeben.")),
    ]


MAX_TEXT = 20_000
"""Longest free text (a TextField has no column length of its own)."""


def bound_texts(form: forms.BaseForm) -> None:
    """Give every text field of `form` without a max_length the MAX_TEXT limit."""
    for field in form.fields.values():
        if isinstance(field, forms.CharField) and field.max_length is None:
            field.max_length = MAX_TEXT
            field.validators.append(MaxLengthValidator(MAX_TEXT))
