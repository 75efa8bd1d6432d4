"""The person's notification settings."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from kooperation.network.notifications import mailable_kinds


class NotificationSettingsForm(forms.Form):
    mailed_kinds = forms.MultipleChoiceField(
        label=_("Auch per E-Mail benachrichtigen bei"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Alle Benachrichtigungen erscheinen in der Glocke. E-Mails zur Sicherheit Ihres Kontos "
            "werden immer gesendet."
        ),
    )
    reminders = forms.BooleanField(
        label=_("Erinnerungen senden"),
        required=False,
        help_text=_(
            "Höchstens einmal pro Woche und Vorgang: offene Leitfragen, ausstehende Zustimmungen, "
            "Selbsteinschätzungen und Unterschriften, fällige Überprüfungen, ablaufende Einwilligungen "
            "und die nächste Hilfekonferenz."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mailed_kinds"].choices = mailable_kinds()
        self.helper = FormHelper()
        self.helper.form_tag = False
