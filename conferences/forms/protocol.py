"""Forms for Hilfekonferenzen, Sitzungen and their tasks; every row is conflict-checked."""

from __future__ import annotations

from crispy_forms.bootstrap import InlineRadios
from crispy_forms.layout import Column, Fieldset, Row
from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agreements import permissions as perms
from agreements.models import Agreement
from conferences.forms.cases import date_input, textarea, time_input
from conferences.models import (
    AgendaItem,
    Attendance,
    Body,
    Conference,
    CriterionCheck,
    FamilyParticipant,
    FamilyRole,
    Meeting,
    StaffParticipant,
    Task,
    TaskStatus,
)
from kooperation.core.forms import (
    FilterForm,
    OrderedInlineFormSet,
    SharedChoicesMixin,
    VersionedInlineFormSet,
    VersionedModelForm,
    helper,
)
from kooperation.core.limits import MAX_VERSION, row_limits
from kooperation.network.models import Institution, Membership, User


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return str(obj)


class PeopleChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return str(obj)


def member_map(users) -> dict[int, set[int]]:
    """Which institutions each of these users belongs to (one query)."""
    result: dict[int, set[int]] = {}
    for user_id, institution_id in Membership.objects.filter(user__in=users).values_list("user_id", "institution_id"):
        result.setdefault(user_id, set()).add(institution_id)
    return result


def row_helper(*layout):
    """A helper for a formset row: the layout places the visible fields, the hidden ones follow."""
    form_helper = helper(*layout)
    form_helper.render_unmentioned_fields = True
    return form_helper


def _check_times(form, data) -> None:
    start, end = data.get("start_time"), data.get("end_time")
    if start and end and end <= start:
        form.add_error("end_time", _("Das Ende muss nach dem Beginn liegen."))


# Hilfekonferenz ------------------------------------------------------------------------------


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
        field_classes = {"moderator": PersonChoice, "invited": PeopleChoice}

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["moderator"].queryset = staff
        self.fields["moderator"].empty_label = _("– noch offen –")
        self.fields["moderator"].error_messages["invalid_choice"] = _(
            "Die Moderation übernimmt eine Fachkraft einer beteiligten Institution."
        )
        self.fields["invited"].queryset = staff
        self.fields["invited"].label = _("Eingeladene Fachkräfte der beteiligten Institutionen")
        self.fields["invited"].error_messages["invalid_choice"] = _(
            "Eingeladen werden können nur Fachkräfte der beteiligten Institutionen."
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
        _check_times(self, data)
        return data


class ProtocolForm(VersionedModelForm):
    class Meta:
        model = Conference
        fields = ["situation", "needs_parents", "needs_child", "next_date"]
        widgets = {
            "situation": textarea(5),
            "needs_parents": textarea(4),
            "needs_child": textarea(4),
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


class RowFormSetMixin:
    """Rows of one protocol: the parent object is set on each row, and extra attributes on new rows."""

    row_defaults: dict = {}

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        # The parent object itself, so the audit log reads its case without another query.
        setattr(form.instance, self.fk.name, self.instance)
        return form

    def save_new(self, form, commit=True):
        for name, value in self.row_defaults.items():
            setattr(form.instance, name, value)
        return super().save_new(form, commit)


class ProtocolRowFormSet(RowFormSetMixin, SharedChoicesMixin, VersionedInlineFormSet):
    pass


class OrderedProtocolRowFormSet(RowFormSetMixin, SharedChoicesMixin, OrderedInlineFormSet):
    pass


class StaffParticipantForm(VersionedModelForm):
    class Meta:
        model = StaffParticipant
        fields = ["institution", "user", "name", "function", "present"]
        field_classes = {"user": PersonChoice}

    def __init__(self, *args, institutions, staff, members, **kwargs):
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
        self.helper = row_helper(
            Row(
                Column("institution", css_class="col-md-4"),
                Column("user", css_class="col-md-4"),
                Column("name", css_class="col-md-4"),
            ),
            Row(Column("function", css_class="col-md-8"), Column("present", css_class="col-md-4 pt-md-4")),
        )

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
    class Meta:
        model = FamilyParticipant
        fields = ["role", "present"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", _("– Rolle wählen –")), *FamilyRole.choices]
        self.fields["role"].error_messages["required"] = _("Bitte die Rolle angeben (z. B. Mutter).")
        self.helper = row_helper(
            Row(Column("role", css_class="col-md-6"), Column("present", css_class="col-md-6 pt-md-4"))
        )


class CriterionCheckForm(VersionedModelForm):
    class Meta:
        model = CriterionCheck
        fields = ["rating", "note"]
        widgets = {"rating": forms.RadioSelect, "note": textarea(2)}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rating"].choices = [choice for choice in self.fields["rating"].choices if choice[0]]
        self.fields["rating"].required = False
        self.helper = row_helper(InlineRadios("rating"), "note")


class TaskForm(VersionedModelForm):
    class Meta:
        model = Task
        fields = ["what", "responsible_institution", "responsible_user", "due_on", "how", "with_whom", "status"]
        widgets = {"what": textarea(2), "how": textarea(2), "due_on": date_input()}
        field_classes = {"responsible_user": PersonChoice}

    def __init__(self, *args, institutions, staff, members, not_a_partner: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = members
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
        self.helper = row_helper(
            "what",
            Row(
                Column("responsible_institution", css_class="col-md-4"),
                Column("responsible_user", css_class="col-md-4"),
                Column("due_on", css_class="col-md-4"),
            ),
            Row(Column("how", css_class="col-md-8"), Column("with_whom", css_class="col-md-4")),
            Row(Column("status", css_class="col-md-4")),
        )

    def clean_due_on(self):
        due_on = self.cleaned_data["due_on"]
        changed = not self.instance.pk or due_on != self.instance.due_on
        if changed and due_on < timezone.localdate():
            raise forms.ValidationError(_("Das Datum „bis wann“ darf nicht in der Vergangenheit liegen."))
        return due_on

    def clean(self):
        data = super().clean()
        user, institution = data.get("responsible_user"), data.get("responsible_institution")
        if user and institution and institution.pk not in self.members.get(user.pk, set()):
            self.add_error(
                "responsible_user",
                _("%(person)s gehört nicht zu „%(institution)s“.") % {"person": user, "institution": institution.name},
            )
        return data


class TaskFormSet(ProtocolRowFormSet):
    shared_choice_fields = ("responsible_institution", "responsible_user")


class StaffFormSet(ProtocolRowFormSet):
    shared_choice_fields = ("institution", "user")


def _rows(parent, model, form, formset, extra=1, can_delete=True, can_order=False):
    return forms.inlineformset_factory(
        parent,
        model,
        form=form,
        formset=formset,
        extra=extra,
        can_delete=can_delete,
        can_delete_extra=False,
        can_order=can_order,
        **row_limits(),
    )


StaffParticipantFormSet = _rows(Conference, StaffParticipant, StaffParticipantForm, StaffFormSet)
FamilyParticipantFormSet = _rows(Conference, FamilyParticipant, FamilyParticipantForm, ProtocolRowFormSet)
CriterionCheckFormSet = _rows(Conference, CriterionCheck, CriterionCheckForm, ProtocolRowFormSet, 0, False)
ConferenceTaskFormSet = _rows(Conference, Task, TaskForm, TaskFormSet)


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


# Sitzungen -----------------------------------------------------------------------------------


class MeetingForm(VersionedModelForm):
    class Meta:
        model = Meeting
        fields = ["body", "subgroup_name", "title", "date", "start_time", "end_time", "place", "recorder"]
        widgets = {"date": date_input(), "start_time": time_input(), "end_time": time_input()}
        field_classes = {"recorder": PersonChoice}

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].choices = [("", _("– Gremium wählen –")), *Body.choices]
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
                Row(Column("body", css_class="col-md-4"), Column("subgroup_name", css_class="col-md-8")),
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
        if data.get("body") == Body.UNTERGRUPPE and not data.get("subgroup_name", "").strip():
            self.add_error("subgroup_name", _("Bitte den Namen der Untergruppe angeben."))
        if data.get("body") and data.get("body") != Body.UNTERGRUPPE:
            data["subgroup_name"] = ""
        _check_times(self, data)
        return data


class MeetingCreateForm(MeetingForm):
    class Meta(MeetingForm.Meta):
        fields = ["agreement", *MeetingForm.Meta.fields]

    def __init__(self, *args, agreements, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agreement"].queryset = agreements
        self.fields["agreement"].empty_label = _("– Vereinbarung wählen –")
        self.fields["agreement"].error_messages["invalid_choice"] = _(
            "Bitte eine Vereinbarung wählen, deren Partner Sie koordinieren."
        )
        self.helper = helper("agreement", *self.layout())

    def clean(self):
        data = super().clean()
        agreement, recorder = data.get("agreement"), data.get("recorder")
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


AttendanceRowsFormSet = _rows(Meeting, Attendance, AttendanceForm, AttendanceFormSet)
AgendaFormSet = _rows(Meeting, AgendaItem, AgendaItemForm, OrderedProtocolRowFormSet, can_order=True)
MeetingTaskFormSet = _rows(Meeting, Task, TaskForm, TaskFormSet)


# Aufgaben ------------------------------------------------------------------------------------


class TaskStatusForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=MAX_VERSION)
    status = forms.ChoiceField(
        label=gettext_lazy("Stand"),
        choices=[(TaskStatus.ERLEDIGT, gettext_lazy("erledigt")), (TaskStatus.ENTFALLEN, gettext_lazy("entfällt"))],
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        initial=TaskStatus.ERLEDIGT,
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


class TaskFilterForm(FilterForm):
    scope = forms.ChoiceField(
        label=gettext_lazy("Zuständig"),
        required=False,
        choices=[("", gettext_lazy("ich oder meine Institutionen")), ("ich", gettext_lazy("nur ich persönlich"))],
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Aus"),
        required=False,
        choices=[
            ("", gettext_lazy("Hilfekonferenzen und Sitzungen")),
            ("faelle", gettext_lazy("Hilfekonferenzen")),
            ("sitzungen", gettext_lazy("Sitzungen")),
        ],
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), required=False, choices=[("", gettext_lazy("offen")), *TaskStatus.choices[1:]]
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def filter_queryset(self, queryset):
        data = self.cleaned_data if self.is_valid() else {"scope": "", "kind": "", "status": ""}
        queryset = queryset.filter(status=data["status"] or TaskStatus.OFFEN)
        if data["scope"] == "ich":
            queryset = queryset.filter(responsible_user=self.user)
        if data["kind"] == "faelle":
            queryset = queryset.filter(case__isnull=False)
        elif data["kind"] == "sitzungen":
            queryset = queryset.filter(meeting__isnull=False)
        return queryset


class MeetingFilterForm(FilterForm):
    agreement = forms.ModelChoiceField(
        label=gettext_lazy("Vereinbarung"), queryset=None, required=False, empty_label=gettext_lazy("Alle")
    )
    body = forms.ChoiceField(
        label=gettext_lazy("Gremium"), required=False, choices=[("", gettext_lazy("Alle")), *Body.choices]
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agreement"].queryset = Agreement.objects.visible_to(user).order_by("title")

    def filter_queryset(self, queryset):
        if not self.is_valid():
            return queryset
        if self.cleaned_data["agreement"]:
            queryset = queryset.filter(agreement=self.cleaned_data["agreement"])
        if self.cleaned_data["body"]:
            queryset = queryset.filter(body=self.cleaned_data["body"])
        return queryset


def institutions_queryset(ids):
    return Institution.objects.filter(pk__in=ids).order_by("name")
