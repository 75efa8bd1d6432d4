"""The period of a Nachweis report."""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kooperation.core.forms import FilterForm
from kooperation.core.limits import BoundedDateField
from kooperation.core.widgets import IsoDateInput


class PeriodForm(FilterForm):
    start = BoundedDateField(label=_("von"), widget=IsoDateInput())
    end = BoundedDateField(label=_("bis"), widget=IsoDateInput())

    def __init__(self, data=None, **kwargs):
        year = timezone.localdate().year
        defaults = {"start": date(year, 1, 1).isoformat(), "end": date(year, 12, 31).isoformat()}
        super().__init__({**defaults, **(data.dict() if data else {})}, **kwargs)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("Das Ende des Zeitraums liegt vor seinem Beginn."))
            elif (end - start).days > 5 * 366:
                self.add_error("end", _("Bitte höchstens fünf Jahre auf einmal auswerten."))
        return data

    def period(self) -> tuple[date, date]:
        return self.cleaned_data["start"], self.cleaned_data["end"]
