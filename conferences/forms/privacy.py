"""Forms of the data-protection pages: case team, Abschluss, Löschsperre, access-log period."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from conferences.forms.cases import date_input, textarea
from kooperation.core.forms import helper

MAX_REASON = 2000
MAX_PERIOD_DAYS = 3 * 366 + 1


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj} ({obj.email})"


class TeamAddForm(forms.Form):
    person = PersonChoice(
        label=gettext_lazy("Person ins Fallteam aufnehmen"),
        queryset=None,
        empty_label=gettext_lazy("– Person wählen –"),
        error_messages={
            "required": gettext_lazy("Bitte eine Person wählen."),
            "invalid_choice": gettext_lazy(
                "Bitte eine Person aus einer beteiligten Institution wählen, die noch nicht im Fallteam ist."
            ),
        },
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = candidates
        self.helper = helper("person")


class CloseCaseForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=gettext_lazy("Grund des Abschlusses"),
        max_length=MAX_REASON,
        widget=textarea(3),
        help_text=gettext_lazy("Zum Beispiel: Hilfe beendet, Familie verzogen, Zuständigkeit gewechselt. Keine Namen."),
        error_messages={"required": gettext_lazy("Bitte geben Sie den Grund des Abschlusses an.")},
    )
    confirm = forms.BooleanField(
        label=gettext_lazy(
            "Ich bestätige: Der Fall wird schreibgeschützt, und nach Ablauf der Löschfrist werden seine Daten gelöscht."
        ),
        error_messages={"required": gettext_lazy("Bitte bestätigen Sie den Abschluss.")},
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = case.version
        self.helper = helper("reason", "confirm", "version")

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Bitte geben Sie den Grund des Abschlusses an."))
        return reason


class LegalHoldForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Grund der Löschsperre"),
        max_length=MAX_REASON,
        widget=textarea(3),
        help_text=gettext_lazy("Zum Beispiel ein laufendes Gerichtsverfahren oder eine Aufbewahrungspflicht."),
        error_messages={"required": gettext_lazy("Bitte geben Sie den Grund der Löschsperre an.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = helper("reason")

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Bitte geben Sie den Grund der Löschsperre an."))
        return reason


class AccessLogPeriodForm(forms.Form):
    start = forms.DateField(
        label=gettext_lazy("von"),
        widget=date_input(),
        error_messages={
            "required": gettext_lazy("Bitte den Beginn des Zeitraums angeben."),
            "invalid": gettext_lazy("Bitte ein gültiges Datum eingeben."),
        },
    )
    end = forms.DateField(
        label=gettext_lazy("bis"),
        widget=date_input(),
        error_messages={
            "required": gettext_lazy("Bitte das Ende des Zeitraums angeben."),
            "invalid": gettext_lazy("Bitte ein gültiges Datum eingeben."),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["start"].initial = today - timedelta(days=30)
        self.fields["end"].initial = today
        self.helper = helper("start", "end")

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("Das Ende des Zeitraums muss nach seinem Beginn liegen."))
            elif (end - start).days > MAX_PERIOD_DAYS:
                self.add_error("end", _("Der Zeitraum kann höchstens drei Jahre umfassen."))
        return data
