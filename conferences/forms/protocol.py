"""Forms of a Hilfekonferenz: planning, the protocol and its rows, addenda; every row is conflict-checked."""

from __future__ import annotations

from crispy_forms.layout import Column, Row
from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from conferences.forms.cases import date_input, textarea, time_input
from conferences.forms.shared import (
    PersonChoice,
    ProtocolRowFormSet,
    RowChoices,
    StaffChoice,
    StaffMultipleChoice,
    check_times,
)
from conferences.forms.tasks import TaskForm, TaskFormSet
from conferences.models import Conference, CriterionCheck, FamilyParticipant, FamilyRole, StaffParticipant, Task
from kooperation.core.forms import VersionedModelForm, helper
from kooperation.core.rows import row_formset


class ConferencePlanForm(VersionedModelForm):
    invited_family = forms.MultipleChoiceField(
        label=gettext_lazy("Eingeladene Familienmitglieder"),
        choices=FamilyRole.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=gettext_lazy("Die Mütter/Eltern nehmen selbstverständlich teil; nur die Rolle, kein Name."),
    )

    class Meta:
        model = Conference
        fields = ["date", "start_time", "end_time", "place", "moderator", "invited", "invited_family"]
        widgets = {
            "date": date_input(),
            "start_time": time_input(),
            "end_time": time_input(),
            "invited": forms.CheckboxSelectMultiple,
        }
        field_classes = {"moderator": StaffChoice, "invited": StaffMultipleChoice}

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["moderator"].queryset = staff
        self.fields["moderator"].empty_label = _("– noch offen –")
        self.fields["moderator"].error_messages["invalid_choice"] = _(
            "Die Moderation übernimmt eine Person einer beteiligten Institution."
        )
        self.fields["invited"].queryset = staff
        # Not only Fachkräfte: Koordination and Leitung of the institutions are invited, too.
        self.fields["invited"].label = _("Eingeladene Personen der beteiligten Institutionen")
        self.fields["invited"].error_messages["invalid_choice"] = _(
            "Eingeladen werden können nur Personen der beteiligten Institutionen."
        )
        self.fields["invited"].help_text = _("Sie erhalten eine E-Mail mit einem Link, ohne Falldaten.")
        if not self.instance.pk:
            self.fields["invited_family"].initial = [FamilyRole.MUTTER]
        self.helper = helper(
            Row(
                Column("date", css_class="col-md-4"),
                Column("start_time", css_class="col-md-4"),
                Column("end_time", css_class="col-md-4"),
            ),
            Row(Column("place", css_class="col-md-8"), Column("moderator", css_class="col-md-4")),
            "invited",
            "invited_family",
            "version",
        )

    def clean(self):
        data = super().clean()
        check_times(self, data)
        return data


class ProtocolForm(VersionedModelForm):
    class Meta:
        model = Conference
        fields = ["situation", "needs_parents", "needs_child", "next_date"]
        widgets = {
            "situation": textarea(4),
            "needs_parents": textarea(3),
            "needs_child": textarea(3),
            "next_date": date_input(),
        }
        help_texts = {
            "situation": gettext_lazy("Wie ist die Lage der Familie heute? Nur, was für die Hilfe nötig ist."),
            "next_date": gettext_lazy(
                "Hilfekonferenzen sind ein kontinuierlicher Prozess – möglichst auch ohne Anlass."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = helper("situation", "needs_parents", "needs_child", "next_date", "version")

    def clean_next_date(self):
        next_date = self.cleaned_data.get("next_date")
        if next_date and next_date <= self.instance.date:
            raise forms.ValidationError(_("Der nächste Termin muss nach dieser Hilfekonferenz liegen."))
        return next_date


class StaffParticipantForm(VersionedModelForm):
    table_columns = {"present": "text-nowrap", "DELETE": "text-nowrap"}

    class Meta:
        model = StaffParticipant
        fields = ["institution", "user", "name", "function", "present"]
        field_classes = {"user": PersonChoice}

    def __init__(self, *args, institutions, staff, members, choices: RowChoices | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = members
        institution = self.fields["institution"]
        institution.queryset = institutions
        institution.empty_label = _("– Institution wählen –")
        institution.error_messages["required"] = _("Bitte die Institution der Fachkraft angeben.")
        institution.error_messages["invalid_choice"] = _(
            "Diese Institution ist an dem Fall nicht beteiligt. Teilnehmen können nur Fachkräfte beteiligter "
            "Institutionen."
        )
        self.fields["user"].queryset = staff
        self.fields["user"].empty_label = _("– ohne Konto –")
        self.fields["user"].error_messages["invalid_choice"] = _(
            "Diese Person gehört zu keiner beteiligten Institution."
        )
        if choices is not None:
            choices.offer(institution, choices.institutions)
            choices.offer(self.fields["user"], choices.persons)

    def clean(self):
        data = super().clean()
        user, institution = data.get("user"), data.get("institution")
        if not user and not data.get("name", "").strip() and not self.errors:
            self.add_error("name", _("Bitte eine Person mit Konto wählen oder den Namen eintragen."))
        if user and institution and institution.pk not in self.members.get(user.pk, set()):
            self.add_error(
                "user",
                _("%(person)s gehört nicht zu „%(institution)s“.") % {"person": user, "institution": institution.name},
            )
        return data


class FamilyParticipantForm(VersionedModelForm):
    table_columns = {"role": "w-50", "present": "text-nowrap", "DELETE": "text-nowrap"}

    class Meta:
        model = FamilyParticipant
        fields = ["role", "present"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", _("– Rolle wählen –")), *FamilyRole.choices]
        self.fields["role"].error_messages["required"] = _("Bitte die Rolle angeben (z. B. Mutter).")


class CriterionCheckForm(VersionedModelForm):
    class Meta:
        model = CriterionCheck
        fields = ["rating", "note"]
        widgets = {"rating": forms.RadioSelect, "note": textarea(2)}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rating"].choices = [choice for choice in self.fields["rating"].choices if choice[0]]
        self.fields["rating"].required = False


class StaffFormSet(ProtocolRowFormSet):
    shared_choice_fields = ("institution", "user")


StaffParticipantFormSet = row_formset(Conference, StaffParticipant, StaffParticipantForm, StaffFormSet)
FamilyParticipantFormSet = row_formset(Conference, FamilyParticipant, FamilyParticipantForm, ProtocolRowFormSet)
CriterionCheckFormSet = row_formset(
    Conference, CriterionCheck, CriterionCheckForm, ProtocolRowFormSet, extra=0, can_delete=False
)
ConferenceTaskFormSet = row_formset(Conference, Task, TaskForm, TaskFormSet)


class AddendumForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Nachtrag"),
        widget=textarea(4),
        max_length=5000,
        help_text=gettext_lazy("Korrekturen und Ergänzungen werden mit Datum und Ihrem Namen angefügt."),
        error_messages={"required": gettext_lazy("Bitte geben Sie den Text des Nachtrags ein.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = helper("text")
