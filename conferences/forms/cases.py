"""Forms for cases and consents."""

from __future__ import annotations

from crispy_forms.layout import Column, Fieldset, Row
from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agreements import permissions as agreement_perms
from agreements.models import Agreement
from conferences import permissions as perms
from conferences.models import Case, Consent, InformationKind
from conferences.queries.choices import case_agreements
from kooperation.core.errors import DomainError
from kooperation.core.forms import FilterForm, VersionedModelForm, helper
from kooperation.core.limits import MAX_VERSION, BoundedDateField
from kooperation.core.uploads import check_scan, display_name
from kooperation.core.widgets import IsoDateInput, IsoTimeInput
from kooperation.network.models import Institution, User

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def date_input() -> IsoDateInput:
    return IsoDateInput()


def time_input() -> IsoTimeInput:
    return IsoTimeInput()


def textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class InstitutionChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Institution) -> str:
        return f"{obj.name} ({obj.arbeitsfeld.name})"


class CaseCreateForm(forms.ModelForm):
    team = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Weitere Personen im Fallteam"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "Nur das Fallteam liest den Fall. Sie gehören als Anlegende/r dazu; weitere Personen der fallführenden "
            "Institution können Sie hier oder später auf der Seite „Fallteam“ aufnehmen."
        ),
        error_messages={"invalid_choice": gettext_lazy("Bitte nur Personen Ihrer Institution wählen.")},
    )

    class Meta:
        model = Case
        fields = ["agreement", "owner_institution", "note"]
        widgets = {"note": textarea(3)}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agreement"].queryset = case_agreements(user).order_by("title")
        self.fields["agreement"].empty_label = _("– Vereinbarung wählen –")
        self.fields["agreement"].help_text = _("Der Fall gehört zu einer Vereinbarung, die in Kraft ist.")
        self.fields["agreement"].error_messages["invalid_choice"] = _(
            "Bitte eine Vereinbarung Ihrer Institution wählen, die in Kraft ist."
        )
        own = Institution.objects.filter(pk__in=perms.case_editor_institution_ids(user))
        self.fields["owner_institution"].queryset = own
        self.fields["owner_institution"].empty_label = None
        self.fields["owner_institution"].error_messages["invalid_choice"] = _(
            "Bitte eine Institution wählen, in der Sie Fachkraft oder Koordination sind."
        )
        self.fields["team"].queryset = (
            User.objects.filter(is_active=True, memberships__institution__in=own)
            .exclude(pk=user.pk)
            .distinct()
            .order_by("last_name", "first_name", "email")
        )
        self.helper = helper("agreement", "owner_institution", "note", "team")

    def clean(self):
        data = super().clean()
        agreement, owner = data.get("agreement"), data.get("owner_institution")
        if agreement and owner and owner.pk not in agreement_perms.partner_institution_ids(agreement):
            self.add_error(
                "owner_institution",
                _("„%(name)s“ ist nicht Partner der gewählten Vereinbarung.") % {"name": owner.name},
            )
        team = data.get("team")
        if owner and team:
            strangers = [str(p) for p in team if not p.memberships.filter(institution=owner).exists()]
            if strangers:
                self.add_error(
                    "team",
                    _("%(names)s gehört nicht zu „%(name)s“.") % {"names": ", ".join(strangers), "name": owner.name},
                )
        return data


class CaseForm(VersionedModelForm):
    class Meta:
        model = Case
        fields = ["note"]
        widgets = {"note": textarea(4)}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = helper("note", "version")


class CaseInstitutionsForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=MAX_VERSION)
    institutions = InstitutionChoices(
        label=gettext_lazy("Beteiligte Institutionen"),
        queryset=Institution.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case
        self.covered = perms.consent_covered_institution_ids(case)
        self.current = perms.case_institution_ids(case)
        partners = agreement_perms.partner_institution_ids(case.agreement)
        field = self.fields["institutions"]
        field.queryset = Institution.objects.filter(pk__in=partners).select_related("arbeitsfeld")
        field.initial = sorted(self.current)
        field.error_messages["invalid_choice"] = _("Bitte nur Partner der Vereinbarung dieses Falls wählen.")
        covered = self.covered
        field.label_from_instance = lambda obj: (
            f"{obj.name} ({obj.arbeitsfeld.name}) – "
            + (_("von einer gültigen Einwilligung umfasst") if obj.pk in covered else _("keine gültige Einwilligung"))
        )
        self.fields["version"].initial = case.version

    def clean_institutions(self):
        chosen = self.cleaned_data["institutions"]
        ids = {i.pk for i in chosen}
        if self.case.owner_institution_id not in ids:
            raise forms.ValidationError(
                _("Die fallführende Institution „%(name)s“ bleibt immer beteiligt.")
                % {"name": self.case.owner_institution.name}
            )
        refused = [i.name for i in chosen if i.pk not in self.current and i.pk not in self.covered]
        if refused:
            raise forms.ValidationError(
                _(
                    "Für %(names)s liegt keine gültige Einwilligung vor. Eine Institution kann erst beteiligt "
                    "werden, wenn eine Einwilligung der Familie sie umfasst."
                )
                % {"names": ", ".join(f"„{name}“" for name in refused)}
            )
        return chosen


class ConsentForm(forms.ModelForm):
    information = forms.MultipleChoiceField(
        label=gettext_lazy("Welche Informationen dürfen ausgetauscht werden?"),
        choices=InformationKind.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Bitte mindestens eine Art von Information wählen.")},
    )

    class Meta:
        model = Consent
        fields = ["given_by", "given_on", "valid_until", "institutions", "information", "scope_note", "document"]
        widgets = {
            "given_on": date_input(),
            "valid_until": date_input(),
            "institutions": forms.CheckboxSelectMultiple,
            "scope_note": textarea(2),
        }
        help_texts = {
            "given_by": gettext_lazy("Nur die Rolle, kein Name."),
            "document": gettext_lazy(
                "Optional: die unterschriebene Erklärung als PDF, JPEG oder PNG (höchstens 10 MB)."
            ),
        }

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case
        field = self.fields["institutions"]
        field.queryset = Institution.objects.filter(pk__in=agreement_perms.partner_institution_ids(case.agreement))
        field.initial = sorted(perms.case_institution_ids(case))
        field.label = _("Welche Institutionen umfasst die Einwilligung?")
        field.error_messages["required"] = _("Bitte mindestens eine Institution wählen.")
        field.error_messages["invalid_choice"] = _("Bitte nur Partner der Vereinbarung dieses Falls wählen.")
        self.fields["given_by"].choices = [("", _("– Rolle wählen –")), *self.fields["given_by"].choices[1:]]
        self.fields["given_on"].initial = timezone.localdate()
        self.helper = helper(
            Fieldset(
                _("Erklärung"),
                Row(
                    Column("given_by", css_class="col-md-4"),
                    Column("given_on", css_class="col-md-4"),
                    Column("valid_until", css_class="col-md-4"),
                ),
            ),
            Fieldset(_("Umfang"), "institutions", "information", "scope_note"),
            "document",
        )

    def clean_given_on(self):
        given_on = self.cleaned_data["given_on"]
        if given_on > timezone.localdate():
            raise forms.ValidationError(_("Das Datum der Erklärung kann nicht in der Zukunft liegen."))
        return given_on

    def clean_valid_until(self):
        valid_until = self.cleaned_data["valid_until"]
        if valid_until < timezone.localdate():
            raise forms.ValidationError(
                _("Diese Einwilligung wäre schon abgelaufen; bitte das Ende der Gültigkeit prüfen.")
            )
        return valid_until

    def clean_document(self):
        document = self.cleaned_data.get("document")
        if not document:
            return document
        if document.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("Die Datei ist zu groß; höchstens 10 MB sind möglich."))
        # The type comes from the bytes (PDF, PNG, JPEG, checked in full), never from the name or Content-Type;
        # the file is stored under a random name with the detected type's extension.
        data = document.read()
        document.seek(0)
        try:
            kind = check_scan(data)
        except DomainError as error:
            raise forms.ValidationError(error.message) from None
        self.document_display_name = display_name(document.name) or _("ohne Namen")
        self.document_kind = kind
        document.name = f"scan.{kind.extension}"
        return document

    def clean(self):
        data = super().clean()
        given_on, valid_until = data.get("given_on"), data.get("valid_until")
        if given_on and valid_until and valid_until < given_on:
            self.add_error("valid_until", _("Das Ende der Gültigkeit muss nach dem Tag der Erklärung liegen."))
        return data


class RevokeConsentForm(forms.Form):
    revoked_on = BoundedDateField(label=gettext_lazy("widerrufen am"), widget=date_input())

    def __init__(self, *args, consent: Consent, **kwargs):
        super().__init__(*args, **kwargs)
        self.consent = consent
        self.fields["revoked_on"].initial = timezone.localdate()
        self.helper = helper("revoked_on")

    def clean_revoked_on(self):
        revoked_on = self.cleaned_data["revoked_on"]
        if revoked_on > timezone.localdate():
            raise forms.ValidationError(_("Der Widerruf kann nicht in der Zukunft liegen."))
        if revoked_on < self.consent.given_on:
            raise forms.ValidationError(_("Der Widerruf kann nicht vor der Erklärung liegen."))
        return revoked_on


class CaseFilterForm(FilterForm):
    q = forms.CharField(label=gettext_lazy("Fallkennung"), required=False, max_length=20)
    agreement = forms.ModelChoiceField(
        label=gettext_lazy("Vereinbarung"), queryset=None, required=False, empty_label=gettext_lazy("Alle")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # The options need the title only: DISTINCT over the agreement's long texts costs at 100× data.
        self.fields["agreement"].queryset = Agreement.objects.visible_to(user).only("pk", "title").order_by("title")

    def filter_queryset(self, queryset):
        if not self.is_valid():
            return queryset
        if self.cleaned_data["q"]:
            queryset = queryset.filter(code__icontains=self.cleaned_data["q"].strip())
        if self.cleaned_data["agreement"]:
            queryset = queryset.filter(agreement=self.cleaned_data["agreement"])
        return queryset
