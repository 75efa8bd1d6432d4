"""Forms of a Sitzung: its data, attendance and agenda; every row is conflict-checked."""

from __future__ import annotations

from crispy_forms.layout import Column, Fieldset, Row
from django.utils.translation import gettext as _

from agreements import permissions as perms
from agreements.models import QualityDialogue, Subgroup
from conferences.forms.cases import date_input, textarea, time_input
from conferences.forms.shared import OrderedProtocolRowFormSet, PersonChoice, ProtocolRowFormSet, check_times
from conferences.forms.tasks import TaskForm, TaskFormSet
from conferences.models import AgendaItem, Attendance, Body, Meeting, Task
from kooperation.core.forms import VersionedModelForm, helper
from kooperation.core.rows import row_formset, row_helper
from kooperation.network.models import Membership


class MeetingForm(VersionedModelForm):
    class Meta:
        model = Meeting
        fields = [
            "body",
            "subgroup",
            "quality_dialogue",
            "title",
            "date",
            "start_time",
            "end_time",
            "place",
            "recorder",
        ]
        widgets = {"date": date_input(), "start_time": time_input(), "end_time": time_input()}
        field_classes = {"recorder": PersonChoice}

    def __init__(self, *args, staff, agreement_ids=None, **kwargs):
        super().__init__(*args, **kwargs)
        if agreement_ids is None:
            agreement_ids = [self.instance.agreement_id]
        self.fields["body"].choices = [("", _("– Gremium wählen –")), *Body.choices]
        subgroup = self.fields["subgroup"]
        subgroup.queryset = Subgroup.objects.filter(agreement_id__in=agreement_ids).select_related("agreement")
        subgroup.empty_label = _("– Untergruppe wählen –")
        subgroup.error_messages["invalid_choice"] = _("Diese Untergruppe gehört nicht zur Vereinbarung.")
        dialogue = self.fields["quality_dialogue"]
        dialogue.queryset = QualityDialogue.objects.filter(agreement_id__in=agreement_ids).select_related("agreement")
        dialogue.empty_label = _("– Qualitätsdialog wählen –")
        dialogue.error_messages["invalid_choice"] = _("Dieser Qualitätsdialog gehört nicht zur Vereinbarung.")
        self.fields["recorder"].queryset = staff
        self.fields["recorder"].empty_label = _("– Person wählen –")
        self.fields["recorder"].error_messages["invalid_choice"] = _(
            "Das Protokoll führt eine Person aus einer Partnerinstitution."
        )
        self.helper = helper(*self.layout(), "version")

    def layout(self) -> list:
        return [
            Fieldset(
                _("Gremium"),
                Row(
                    Column("body", css_class="col-md-4"),
                    Column("subgroup", css_class="col-md-4"),
                    Column("quality_dialogue", css_class="col-md-4"),
                ),
                "title",
            ),
            Row(
                Column("date", css_class="col-md-4"),
                Column("start_time", css_class="col-md-4"),
                Column("end_time", css_class="col-md-4"),
            ),
            Row(Column("place", css_class="col-md-8"), Column("recorder", css_class="col-md-4")),
        ]

    def clean(self):
        data = super().clean()
        body = data.get("body")
        if body == Body.UNTERGRUPPE and not data.get("subgroup") and "subgroup" not in self.errors:
            self.add_error("subgroup", _("Bitte die Untergruppe wählen."))
        if body == Body.QUALITAETSDIALOG and not data.get("quality_dialogue") and "quality_dialogue" not in self.errors:
            self.add_error("quality_dialogue", _("Bitte den Qualitätsdialog wählen."))
        if body and body != Body.UNTERGRUPPE:
            data["subgroup"] = None
        if body and body != Body.QUALITAETSDIALOG:
            data["quality_dialogue"] = None
        check_times(self, data)
        return data


class MeetingCreateForm(MeetingForm):
    class Meta(MeetingForm.Meta):
        fields = ["agreement", *MeetingForm.Meta.fields]

    def __init__(self, *args, agreements, **kwargs):
        super().__init__(*args, agreement_ids=agreements.values("pk"), **kwargs)
        self.fields["agreement"].queryset = agreements
        first_two = list(agreements.only("pk")[:2])
        if len(first_two) == 1:  # the only choice is preselected
            self.fields["agreement"].initial = first_two[0].pk
        else:
            self.fields["subgroup"].label_from_instance = lambda s: f"{s.name} ({s.agreement.title})"
            self.fields["quality_dialogue"].label_from_instance = lambda d: f"{d} ({d.agreement.title})"
        self.fields["agreement"].empty_label = _("– Vereinbarung wählen –")
        self.fields["agreement"].error_messages["invalid_choice"] = _(
            "Bitte eine Vereinbarung wählen, deren Partner Sie koordinieren."
        )
        self.helper = helper("agreement", *self.layout())

    def clean(self):
        data = super().clean()
        agreement, recorder = data.get("agreement"), data.get("recorder")
        for name in ("subgroup", "quality_dialogue"):
            linked = data.get(name)
            if agreement and linked and linked.agreement_id != agreement.pk:
                self.add_error(name, self.fields[name].error_messages["invalid_choice"])
        if agreement and recorder:
            partners = perms.partner_institution_ids(agreement)
            if not Membership.objects.filter(user=recorder, institution_id__in=partners).exists():
                self.add_error("recorder", _("Das Protokoll führt eine Person aus einer Partnerinstitution."))
        return data


class AttendanceForm(VersionedModelForm):
    class Meta:
        model = Attendance
        fields = ["institution", "name", "function", "status"]

    def __init__(self, *args, institutions, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["institution"]
        field.queryset = institutions
        field.empty_label = _("– Institution wählen –")
        field.error_messages["required"] = _("Bitte die Institution angeben.")
        field.error_messages["invalid_choice"] = _("Diese Institution ist nicht Partner der Vereinbarung.")
        self.fields["name"].error_messages["required"] = _("Bitte den Namen angeben.")
        self.helper = row_helper(
            Row(
                Column("institution", css_class="col-md-4"),
                Column("name", css_class="col-md-3"),
                Column("function", css_class="col-md-3"),
                Column("status", css_class="col-md-2"),
            )
        )


class AgendaItemForm(VersionedModelForm):
    class Meta:
        model = AgendaItem
        fields = ["title", "minutes", "decisions"]
        widgets = {"minutes": textarea(3), "decisions": textarea(2)}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].error_messages["required"] = _("Bitte den Tagesordnungspunkt benennen.")
        self.helper = row_helper("title", "minutes", "decisions")


class AttendanceFormSet(ProtocolRowFormSet):
    shared_choice_fields = ("institution",)


AttendanceRowsFormSet = row_formset(Meeting, Attendance, AttendanceForm, AttendanceFormSet)
AgendaFormSet = row_formset(Meeting, AgendaItem, AgendaItemForm, OrderedProtocolRowFormSet, can_order=True)
MeetingTaskFormSet = row_formset(Meeting, Task, TaskForm, TaskFormSet)
