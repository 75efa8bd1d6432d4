"""Forms for agreements: creation, partners, and the sections of the text."""

from __future__ import annotations

from crispy_forms.layout import Column, Fieldset, Row
from django import forms
from django.core.validators import MinValueValidator
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from agreements.models import (
    Agreement,
    CommunicationPath,
    ConferenceRules,
    Criterion,
    DataProtection,
    DataSharingRule,
    FlowPlan,
    Goal,
    Indicator,
    Partner,
    Responsibility,
    Status,
    TargetGroup,
    Term,
)
from kooperation.core.forms import FilterForm, VersionedModelForm, helper
from kooperation.core.limits import MAX_VERSION
from kooperation.core.rows import OrderedInlineFormSet, row_formset
from kooperation.core.widgets import IsoDateInput, SearchCheckboxes, SearchSelect
from kooperation.network import permissions as perms
from kooperation.network.models import Institution, Role
from kooperation.network.models.institutions import Arbeitsfeld


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class InstitutionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Institution) -> str:
        return f"{obj.name} ({obj.arbeitsfeld.name})"


class AgreementCreateForm(forms.ModelForm):
    partners = InstitutionChoiceField(
        label=_("Partnerinstitutionen"),
        queryset=Institution.objects.none(),
        widget=SearchCheckboxes(search_url=reverse_lazy("institution_search"), search_button=True),
        required=False,
        help_text=_("Die koordinierende Institution ist immer Partner."),
    )

    class Meta:
        model = Agreement
        fields = ["title", "preamble", "coordinating_institution"]
        widgets = {"preamble": _textarea(4)}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        own = perms.institution_ids(user, Role.KOORDINATION)
        self.fields["coordinating_institution"].queryset = Institution.objects.filter(pk__in=own, is_active=True)
        self.fields["coordinating_institution"].empty_label = None
        self.fields["partners"].queryset = Institution.objects.filter(is_active=True).select_related("arbeitsfeld")
        self.helper = helper("title", "preamble", "coordinating_institution", "partners")


class AgreementForm(VersionedModelForm):
    class Meta:
        model = Agreement
        fields = ["title", "preamble"]
        widgets = {"preamble": _textarea(5)}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = helper("title", "preamble", "version")


class PartnerSelectForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=MAX_VERSION)
    institutions = InstitutionChoiceField(
        label=_("Partnerinstitutionen"),
        queryset=Institution.objects.none(),
        widget=SearchCheckboxes(search_url=reverse_lazy("institution_search"), search_button=True),
        required=False,
    )

    def __init__(self, *args, agreement: Agreement, **kwargs):
        super().__init__(*args, **kwargs)
        self.agreement = agreement
        current = [p.institution_id for p in agreement.partners.all()]
        self.fields["institutions"].queryset = Institution.objects.filter(is_active=True).select_related(
            "arbeitsfeld"
        ) | Institution.objects.filter(pk__in=current).select_related("arbeitsfeld")
        self.fields["institutions"].initial = current
        self.fields["version"].initial = agreement.version

    def clean_institutions(self):
        chosen = self.cleaned_data["institutions"]
        if self.agreement.coordinating_institution_id not in {i.pk for i in chosen}:
            raise forms.ValidationError(
                _("Die koordinierende Institution „%(name)s“ bleibt immer Partner.")
                % {"name": self.agreement.coordinating_institution.name}
            )
        return chosen


class PartnerForm(VersionedModelForm):
    class Meta:
        model = Partner
        fields = ["contribution", "expectations"]
        widgets = {"contribution": _textarea(3), "expectations": _textarea(3)}


PartnerFormSet = row_formset(Agreement, Partner, PartnerForm, extra=0, can_delete=False)


class TargetGroupForm(VersionedModelForm):
    class Meta:
        model = TargetGroup
        fields = ["name", "description"]
        widgets = {"description": _textarea(2)}


class GoalForm(VersionedModelForm):
    indicators = forms.CharField(
        label=_("Indikatoren"),
        widget=_textarea(3),
        max_length=5000,
        error_messages={"required": _("Bitte mindestens einen messbaren Indikator angeben.")},
        help_text=_("Woran erkennen alle, dass das Ziel erreicht ist? Ein messbarer Indikator pro Zeile."),
    )

    class Meta:
        model = Goal
        fields = ["text"]
        widgets = {"text": _textarea(2)}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["indicators"].initial = "\n".join(i.text for i in self.instance.indicators.all())

    def clean_indicators(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["indicators"].splitlines() if line.strip()]
        if not lines:
            raise forms.ValidationError(_("Bitte mindestens einen messbaren Indikator angeben."))
        too_long = [line for line in lines if len(line) > 500]
        if too_long:
            raise forms.ValidationError(_("Ein Indikator darf höchstens 500 Zeichen lang sein."))
        return lines

    def save(self, commit: bool = True):
        goal = super().save(commit)
        if commit:
            self.save_children(goal)
        return goal

    def save_children(self, goal: Goal) -> None:
        wanted = self.cleaned_data["indicators"]
        current = list(goal.indicators.all())
        if [i.text for i in current] == wanted:
            return
        for indicator in current[len(wanted) :]:
            indicator.delete()
        for position, text in enumerate(wanted):
            if position < len(current):
                indicator = current[position]
                if indicator.text != text or indicator.position != position:
                    indicator.text, indicator.position = text, position
                    indicator.save()
            else:
                Indicator.objects.create(goal=goal, text=text, position=position)


class CriterionForm(VersionedModelForm):
    class Meta:
        model = Criterion
        fields = ["text"]
        widgets = {"text": _textarea(2)}


class ResponsibilityForm(VersionedModelForm):
    class Meta:
        model = Responsibility
        fields = ["institution", "role", "tasks"]
        widgets = {"tasks": _textarea(3)}

    def __init__(self, *args, agreement: Agreement, **kwargs):
        super().__init__(*args, **kwargs)
        # A subquery, not a list of ids: building a row's form must cost no query of its own.
        self.fields["institution"].queryset = Institution.objects.filter(partnerships__agreement=agreement)
        self.fields["institution"].empty_label = _("– Partner wählen –")
        self.fields["institution"].error_messages["invalid_choice"] = _(
            "Bitte eine Partnerinstitution dieser Vereinbarung wählen."
        )


class CommunicationPathForm(VersionedModelForm):
    class Meta:
        model = CommunicationPath
        fields = ["subject", "between", "channel", "frequency"]


class DataSharingRuleForm(VersionedModelForm):
    class Meta:
        model = DataSharingRule
        fields = ["information", "between", "basis", "legal_reference"]

    def clean(self):
        data = super().clean()
        if data.get("basis") == "gesetz" and not data.get("legal_reference"):
            self.add_error("legal_reference", _("Bei einer gesetzlichen Grundlage bitte die Fundstelle angeben."))
        return data


class FlowPlanForm(VersionedModelForm):
    class Meta:
        model = FlowPlan
        fields = ["arbeitsfeld", "situation", "recommendation", "goal"]
        widgets = {"situation": _textarea(3), "recommendation": _textarea(3), "goal": _textarea(2)}

    def __init__(self, *args, agreement: Agreement, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["arbeitsfeld"].queryset = Arbeitsfeld.objects.filter(
            institutions__partnerships__agreement=agreement
        ).distinct()
        self.fields["arbeitsfeld"].empty_label = _("– Arbeitsfeld wählen –")
        self.fields["arbeitsfeld"].error_messages["invalid_choice"] = _(
            "Bitte ein Arbeitsfeld der Partnerinstitutionen wählen."
        )


class DataProtectionForm(VersionedModelForm):
    class Meta:
        model = DataProtection
        fields = ["principles", "not_shared", "target_group_info"]
        widgets = {"principles": _textarea(3), "not_shared": _textarea(3), "target_group_info": _textarea(3)}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = helper("principles", "not_shared", "target_group_info", "version")


class ConferenceRulesForm(VersionedModelForm):
    class Meta:
        model = ConferenceRules
        fields = ["occasion", "frequency", "participants", "protocol_distribution"]
        widgets = {"occasion": _textarea(2), "participants": _textarea(2), "protocol_distribution": _textarea(2)}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = helper("occasion", "frequency", "participants", "protocol_distribution", "version")


class TermForm(VersionedModelForm):
    class Meta:
        model = Term
        fields = [
            "valid_from",
            "duration_months",
            "valid_until",
            "review_interval_months",
            "notice_period_months",
            "board_duties",
        ]
        widgets = {
            "valid_from": IsoDateInput(),
            "valid_until": IsoDateInput(),
            "board_duties": _textarea(3),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("duration_months", "review_interval_months"):
            # Setting min_value after the field is built adds no validator, so add it too.
            self.fields[name].min_value = 1
            self.fields[name].validators.append(MinValueValidator(1))
            self.fields[name].widget.attrs["min"] = 1
        self.helper = helper(
            "valid_from",
            Fieldset(
                _("Laufzeit"),
                Row(Column("duration_months", css_class="col-md-6"), Column("valid_until", css_class="col-md-6")),
            ),
            Row(
                Column("review_interval_months", css_class="col-md-6"),
                Column("notice_period_months", css_class="col-md-6"),
            ),
            "board_duties",
            "version",
        )

    def clean(self):
        data = super().clean()
        start, until, months = data.get("valid_from"), data.get("valid_until"), data.get("duration_months")
        if until and months:
            self.add_error(
                "valid_until", _("Bitte entweder eine Laufzeit in Monaten oder ein Enddatum angeben, nicht beides.")
            )
        if start and until and until <= start:
            self.add_error("valid_until", _("Das Enddatum muss nach dem Beginn liegen."))
        if (until or months) and not start:
            self.add_error("valid_from", _("Bitte angeben, ab wann die Vereinbarung gilt."))
        return data


def rows_formset(model, form, shared_choices: tuple[str, ...] = ()):
    """An ordered formset of the agreement's rows; `shared_choices` name selects loaded once for all rows."""
    return row_formset(Agreement, model, form, OrderedInlineFormSet, can_order=True, shared_choices=shared_choices)


class AgreementFilterForm(FilterForm):
    q = forms.CharField(label=_("Suche"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Alle")), *Status.choices])
    institution = forms.ModelChoiceField(
        label=_("Partnerinstitution"),
        queryset=Institution.objects.none(),
        required=False,
        empty_label=_("Alle"),
        widget=SearchSelect(search_url=reverse_lazy("institution_search")),
    )
    arbeitsfeld = forms.ModelChoiceField(
        label=_("Arbeitsfeld"), queryset=Arbeitsfeld.objects.all(), required=False, empty_label=_("Alle")
    )
    review = forms.ChoiceField(
        label=_("Überprüfung"),
        required=False,
        choices=[("", _("egal")), ("faellig", _("fällig")), ("90", _("in den nächsten 90 Tagen fällig"))],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = Institution.objects.visible_to(user)

    def filter_queryset(self, queryset):
        from datetime import timedelta

        from django.db.models import Q
        from django.utils import timezone

        if not self.is_valid():
            return queryset
        data = self.cleaned_data
        if data["q"]:
            queryset = queryset.filter(Q(title__icontains=data["q"]) | Q(preamble__icontains=data["q"]))
        if data["status"]:
            queryset = queryset.filter(status=data["status"])
        if data["institution"]:
            queryset = queryset.filter(partners__institution=data["institution"])
        if data["arbeitsfeld"]:
            queryset = queryset.filter(partners__institution__arbeitsfeld=data["arbeitsfeld"])
        today = timezone.localdate()
        if data["review"] == "faellig":
            queryset = queryset.filter(Q(status=Status.UEBERPRUEFUNG_FAELLIG) | Q(review_due_on__lte=today))
        elif data["review"] == "90":
            queryset = queryset.filter(review_due_on__lte=today + timedelta(days=90))
        return queryset.distinct()
