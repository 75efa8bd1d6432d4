"""Forms for the working structure and the approval round."""

from __future__ import annotations

from django import forms
from django.forms.models import ModelChoiceIteratorValue
from django.utils.translation import gettext_lazy as _

from agreements.models import Decision, GuidingQuestion, Reflection, Subgroup, SubgroupAnswer, SubgroupScope
from agreements.queries.sections import SECTIONS
from kooperation.core.forms import VersionedModelForm
from kooperation.core.limits import MAX_VERSION, row_limits
from kooperation.core.rows import FixedChoices, VersionedModelFormSet
from kooperation.network.models import User


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.email


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.email


class PrepGroupForm(forms.Form):
    """One select per Arbeitsfeld present among the partners."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=MAX_VERSION)

    def __init__(self, *args, structure, **kwargs):
        super().__init__(*args, **kwargs)
        self.structure = structure
        self.fields["version"].initial = structure.agreement.version
        seats = {s.arbeitsfeld_id: s.user_id for s in structure.prep_seats}
        self.field_names = []
        for arbeitsfeld in structure.fields:
            eligible = structure.users_of(structure.institutions_of_field(arbeitsfeld.pk))
            name = f"feld_{arbeitsfeld.pk}"
            self.fields[name] = PersonChoiceField(
                label=arbeitsfeld.name,
                queryset=User.objects.filter(pk__in=[u.pk for u in eligible]),
                required=False,
                initial=seats.get(arbeitsfeld.pk),
                empty_label=_("– noch niemand –"),
                error_messages={
                    "invalid_choice": _("Bitte eine Person einer Partnerinstitution dieses Arbeitsfelds wählen.")
                },
            )
            self.fields[name].choices = [("", _("– noch niemand –"))] + [
                (u.pk, u.get_full_name() or u.email) for u in eligible
            ]
            self.field_names.append((arbeitsfeld, name))

    def chosen(self) -> dict:
        return {arbeitsfeld: self.cleaned_data.get(name) for arbeitsfeld, name in self.field_names}


class BoardForm(forms.Form):
    """Checkboxes per partner institution: its representatives in the board."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=MAX_VERSION)

    def __init__(self, *args, structure, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = structure.agreement.version
        self.field_names = []
        for partner in structure.partners:
            people = structure.people.get(partner.institution_id, [])
            name = f"institution_{partner.institution_id}"
            self.fields[name] = PeopleChoiceField(
                label=partner.institution.name,
                queryset=User.objects.filter(pk__in=[u.pk for u in people]),
                required=False,
                widget=forms.CheckboxSelectMultiple,
                initial=[b.user_id for b in structure.board if b.institution_id == partner.institution_id],
                error_messages={"invalid_choice": _("Bitte nur Personen dieser Institution wählen.")},
            )
            self.fields[name].choices = [(u.pk, u.get_full_name() or u.email) for u in people]
            if not people:
                self.fields[name].help_text = _(
                    "Noch niemand dieser Institution hat ein Konto – siehe „Wer noch fehlt“."
                )
            self.field_names.append((partner.institution, name))

    def chosen(self) -> dict:
        return {institution: list(self.cleaned_data.get(name) or []) for institution, name in self.field_names}


def _offered(field, objects: list) -> FixedChoices:
    """The choices a model choice field would build from its queryset, from objects already loaded."""
    return FixedChoices([(ModelChoiceIteratorValue(obj.pk, obj), field.label_from_instance(obj)) for obj in objects])


class SubgroupCreateForm(forms.Form):
    scope = forms.ChoiceField(
        label=_("Untergruppen bilden"),
        choices=SubgroupScope.choices,
        initial=SubgroupScope.INSTITUTION,
        widget=forms.RadioSelect,
    )
    questions = forms.ModelMultipleChoiceField(
        label=_("Welche Leitfragen gelten?"),
        queryset=GuidingQuestion.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Der Katalog bietet an, er schreibt nicht vor: nur die angekreuzten Fragen werden zugewiesen."),
    )
    # Marks a form that showed the question list; a request without it (older forms) assigns all questions.
    questions_shown = forms.BooleanField(widget=forms.HiddenInput, initial=True, required=False)

    def __init__(self, *args, agreement=None, questions: list | None = None, **kwargs):
        """`questions`: the agreement's Leitfragen when the page has loaded them (offered without a query)."""
        super().__init__(*args, **kwargs)
        if agreement is not None:
            queryset = GuidingQuestion.objects.filter(agreement=agreement)
            field = self.fields["questions"]
            field.queryset = queryset  # validation checks against the database
            if questions is None:
                field.initial = list(queryset.values_list("pk", flat=True))
            else:
                field.initial = [q.pk for q in questions]
                field.choices = _offered(field, questions)

    def question_ids(self):
        """The ticked questions' ids, or None for all of them."""
        if not self.cleaned_data.get("questions_shown"):
            return None
        return [q.pk for q in self.cleaned_data["questions"]]


class SubgroupForm(VersionedModelForm):
    members = PeopleChoiceField(
        label=_("Mitglieder"), queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    questions = forms.ModelMultipleChoiceField(
        label=_("Leitfragen"),
        queryset=GuidingQuestion.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Subgroup
        fields = ["name", "members", "questions"]

    def __init__(self, *args, structure, **kwargs):
        super().__init__(*args, **kwargs)
        eligible = structure.users_of(structure.subgroup_institutions(self.instance))
        self.fields["members"].queryset = User.objects.filter(pk__in=[u.pk for u in eligible])
        self.fields["members"].error_messages["invalid_choice"] = _(
            "Mitglieder einer Untergruppe kommen aus ihrer Institution (bzw. ihrem Arbeitsfeld)."
        )
        if not eligible:
            self.fields["members"].help_text = _(
                "Noch niemand aus dieser Institution (bzw. diesem Arbeitsfeld) hat ein Konto – "
                "laden Sie unten eine Person ein."
            )
        self.fields["questions"].queryset = GuidingQuestion.objects.filter(agreement=structure.agreement)


class QuestionForm(forms.Form):
    text = forms.CharField(label=_("Frage"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)
    section = forms.ChoiceField(label=_("gehört zum Abschnitt"), required=False)
    subgroups = forms.ModelMultipleChoiceField(
        label=_("zuweisen an"), queryset=Subgroup.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, agreement, subgroups: list | None = None, **kwargs):
        """`subgroups`: the agreement's subgroups (by name) when the page has loaded them."""
        super().__init__(*args, **kwargs)
        self.fields["section"].choices = [("", _("– kein bestimmter Abschnitt –"))] + [
            (s.key, s.title) for s in SECTIONS
        ]
        self.fields["subgroups"].queryset = Subgroup.objects.filter(agreement=agreement)
        if subgroups is not None:
            self.fields["subgroups"].choices = _offered(self.fields["subgroups"], subgroups)


class AnswerForm(VersionedModelForm):
    class Meta:
        model = SubgroupAnswer
        fields = ["text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 4})}


AnswerFormSet = forms.modelformset_factory(
    SubgroupAnswer, form=AnswerForm, formset=VersionedModelFormSet, extra=0, can_delete=False, **row_limits()
)


class ReflectionForm(VersionedModelForm):
    class Meta:
        model = Reflection
        fields = ["text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}


ReflectionFormSet = forms.modelformset_factory(
    Reflection, form=ReflectionForm, formset=VersionedModelFormSet, extra=0, can_delete=False, **row_limits()
)


class DecisionForm(forms.Form):
    institution = forms.TypedChoiceField(label=_("für"), coerce=int)
    decision = forms.ChoiceField(label=_("Entscheidung"), choices=Decision.choices, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("Anmerkung"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        help_text=_("Bei einer Rückgabe bitte beschreiben, was geändert werden soll."),
    )

    def __init__(self, *args, institutions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].choices = [(i.pk, i.name) for i in institutions]
        if len(institutions) == 1:
            self.fields["institution"].initial = institutions[0].pk
            self.fields["institution"].widget = forms.HiddenInput()

    def clean(self):
        data = super().clean()
        if data.get("decision") == Decision.RETURNED and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Bitte schreiben Sie dazu, was am Text geändert werden soll."))
        return data
