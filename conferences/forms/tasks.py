"""Tasks in protocols and the form that marks one done."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from conferences.forms.cases import date_input, textarea
from conferences.forms.shared import PersonChoice, ProtocolRowFormSet, RowChoices
from conferences.models import Task, TaskStatus
from kooperation.core.forms import VersionedModelForm
from kooperation.core.limits import MAX_VERSION


class TaskForm(VersionedModelForm):
    compact_columns = {
        "what": "col-md-6",
        "responsible_institution": "col-md-3",
        "responsible_user": "col-md-3",
        "due_on": "col-md-2",
        "how": "col-md-4",
        "with_whom": "col-md-3",
        "status": "col-6 col-md-2",
        "DELETE": "col-6 col-md-1",
    }

    class Meta:
        model = Task
        fields = ["what", "responsible_institution", "responsible_user", "due_on", "how", "with_whom", "status"]
        widgets = {"what": textarea(2), "how": textarea(2), "due_on": date_input()}
        field_classes = {"responsible_user": PersonChoice}

    def __init__(
        self,
        *args,
        institutions,
        staff,
        members,
        not_a_partner: str,
        owner_required=False,
        choices: RowChoices | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.members = members
        self.owner_required = owner_required
        institution = self.fields["responsible_institution"]
        institution.queryset = institutions
        institution.empty_label = _("– Institution wählen –")
        institution.error_messages["required"] = _("Bitte die verantwortliche Institution angeben.")
        institution.error_messages["invalid_choice"] = not_a_partner
        person = self.fields["responsible_user"]
        person.queryset = staff
        person.empty_label = _("– die Institution –")
        person.error_messages["invalid_choice"] = _("Diese Person gehört zu keiner beteiligten Institution.")
        self.fields["what"].error_messages["required"] = _("Bitte beschreiben, was zu tun ist.")
        self.fields["due_on"].error_messages["required"] = _("Bitte angeben, bis wann die Aufgabe erledigt ist.")
        if choices is not None:
            choices.offer(institution, choices.institutions)
            choices.offer(person, choices.persons)

    def clean_due_on(self):
        due_on = self.cleaned_data["due_on"]
        changed = not self.instance.pk or due_on != self.instance.due_on
        if changed and due_on < timezone.localdate():
            raise forms.ValidationError(_("Das Datum „bis wann“ darf nicht in der Vergangenheit liegen."))
        return due_on

    def clean(self):
        data = super().clean()
        user, institution = data.get("responsible_user"), data.get("responsible_institution")
        if self.owner_required and not user and data.get("what") and "responsible_user" not in self.errors:
            self.add_error("responsible_user", _("Eine vereinbarte Maßnahme braucht eine verantwortliche Person."))
        if user and institution and institution.pk not in self.members.get(user.pk, set()):
            self.add_error(
                "responsible_user",
                _("%(person)s gehört nicht zu „%(institution)s“.") % {"person": user, "institution": institution.name},
            )
        return data


class TaskFormSet(ProtocolRowFormSet):
    shared_choice_fields = ("responsible_institution", "responsible_user")


def status_prefix(pk: int) -> str:
    """The prefix of a task's status form: unique per task, as Meine Aufgaben shows many at once."""
    return f"aufgabe-{pk}"


class TaskStatusForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=MAX_VERSION)
    status = forms.ChoiceField(
        label=gettext_lazy("Stand"),
        choices=[(TaskStatus.ERLEDIGT, gettext_lazy("erledigt")), (TaskStatus.ENTFALLEN, gettext_lazy("entfällt"))],
        # Nothing chosen in advance: "erledigt" must be a decision, not a default left standing.
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=gettext_lazy("Vermerk"), required=False, max_length=2000, widget=textarea(2))

    def __init__(self, *args, task: Task, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = task.version

    def clean(self):
        data = super().clean()
        if data.get("status") == TaskStatus.ENTFALLEN and not data.get("note", "").strip():
            self.add_error("note", _("Bitte begründen Sie kurz, warum die Aufgabe entfällt."))
        return data
