"""Forms for the second factor and the security log."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kooperation.core.forms import FilterForm
from kooperation.core.widgets import IsoDateInput
from kooperation.network.models import SecurityEvent


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("Die sechsstellige Zahl aus Ihrer Authenticator-App oder einer Ihrer Sicherungscodes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "class": "form-control"}),
    )


class EnrolForm(forms.Form):
    code = forms.CharField(
        label=_("Erster Code aus der App"),
        max_length=10,
        help_text=_("Zur Bestätigung: die sechsstellige Zahl, die Ihre App jetzt anzeigt."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "class": "form-control"}
        ),
    )


class ResetForm(forms.Form):
    reason = forms.CharField(
        label=_("Begründung"),
        min_length=10,
        max_length=400,
        help_text=_("Wird im Sicherheitsprotokoll gespeichert, z. B. „Telefon verloren, Rückruf am 3.5. bestätigt“."),
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )


class SecurityFilterForm(FilterForm):
    kind = forms.ChoiceField(
        label=_("Ereignis"), required=False, choices=[("", _("Alle")), *SecurityEvent.Kind.choices]
    )
    user = forms.CharField(label=_("Person (Name oder E-Mail)"), required=False, max_length=100)
    since = forms.DateField(label=_("von"), required=False, widget=IsoDateInput())
    until = forms.DateField(label=_("bis"), required=False, widget=IsoDateInput())

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", _("Das Ende des Zeitraums liegt vor seinem Anfang."))
        return data

    def filter_queryset(self, queryset):
        if not self.is_valid():
            return queryset
        data = self.cleaned_data
        if data["kind"]:
            queryset = queryset.filter(kind=data["kind"])
        if data["user"]:
            text = data["user"].strip()
            people = (
                Q(user__email__icontains=text)
                | Q(user__first_name__icontains=text)
                | Q(user__last_name__icontains=text)
                | Q(actor__email__icontains=text)
                | Q(actor__last_name__icontains=text)
                | Q(login_name__icontains=text)
            )
            queryset = queryset.filter(people)
        if data["since"]:
            queryset = queryset.filter(created_at__date__gte=data["since"])
        if data["until"]:
            queryset = queryset.filter(created_at__date__lte=data["until"])
        return queryset
