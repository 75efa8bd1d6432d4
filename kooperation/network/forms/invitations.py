"""Forms for asking for a person an institution does not have yet, and for deciding on that request."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kooperation.core.errors import DomainError
from kooperation.network.invitations import REQUESTABLE_ROLES, reusable_account
from kooperation.network.models import Role


class PersonRequestForm(forms.Form):
    first_name = forms.CharField(label=_("Vorname"), max_length=150)
    last_name = forms.CharField(label=_("Nachname"), max_length=150)
    email = forms.EmailField(label=_("E-Mail-Adresse"), max_length=254)
    role = forms.ChoiceField(
        label=_("Rolle in der Institution"),
        choices=[(role.value, role.label) for role in Role if role in REQUESTABLE_ROLES],
        help_text=_("Leitung unterzeichnet für die Institution; Mitglieder stimmen im Gremium zu."),
    )

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        try:
            reusable_account(email)
        except DomainError as error:
            raise forms.ValidationError(
                _("%(message)s Die Administration kann diesem Konto eine Rolle geben.") % {"message": error.message}
            ) from error
        return email


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Begründung"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Die anfragende Person erfährt sie."),
    )
