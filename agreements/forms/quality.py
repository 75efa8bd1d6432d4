"""The self-assessment form: five levels per dimension, the ten conditions, a comment."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agreements.models import ConditionState, QualityDimension, QualityLevel
from kooperation.core.forms import FieldChange, VersionedModelForm
from kooperation.core.limits import MAX_VERSION
from kooperation.core.rows import row_formset


class AssessmentForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=MAX_VERSION)
    comment = forms.CharField(
        label=_("Anmerkungen"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, assessment, dimensions, conditions, submit: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.submit = submit
        self.dimensions, self.conditions = dimensions, conditions
        self.conflict_changes: list[FieldChange] | None = None
        ratings = {r.dimension_id: r.level for r in assessment.ratings.all()}
        reflections = {c.label: c for c in assessment.conditions.all()}
        self.fields["version"].initial = assessment.version
        self.fields["comment"].initial = assessment.comment
        self.dimension_fields, self.condition_fields = [], []
        for dimension in dimensions:
            name = f"dimension_{dimension.pk}"
            self.fields[name] = forms.TypedChoiceField(
                label=dimension.name,
                coerce=int,
                required=False,
                empty_value=None,
                widget=forms.RadioSelect,
                choices=[(lvl.level, f"{lvl.level} – {lvl.name}: {lvl.description}") for lvl in dimension.levels.all()],
                initial=ratings.get(dimension.pk),
            )
            self.dimension_fields.append((dimension, name))
        states = [("", _("– bitte wählen –")), *ConditionState.choices]
        for condition in conditions:
            state, note = f"bedingung_{condition.label}", f"notiz_{condition.label}"
            current = reflections.get(condition.label)
            self.fields[state] = forms.ChoiceField(
                label=f"{condition.label}) {condition.text}",
                choices=states,
                required=False,
                initial=current.state if current else "",
            )
            self.fields[note] = forms.CharField(
                label=_("Anmerkung zu %(label)s)") % {"label": condition.label},
                required=False,
                max_length=500,
                initial=current.note if current else "",
            )
            self.condition_fields.append((condition, state, note))

    def clean(self):
        data = super().clean()
        if self.submit:
            for _dimension, name in self.dimension_fields:
                if not data.get(name):
                    self.add_error(name, _("Bitte vor der Abgabe eine Stufe wählen."))
            for _condition, state, _note in self.condition_fields:
                if not data.get(state):
                    self.add_error(state, _("Bitte vor der Abgabe einschätzen."))
        return data

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "comment": data["comment"],
            "levels": [(d, data.get(name)) for d, name in self.dimension_fields],
            "conditions": [(c, data.get(state), data.get(note, "")) for c, state, note in self.condition_fields],
        }

    def show_conflict(self, current) -> None:
        """Keep the user's input, show what was saved meanwhile, and accept the next save."""
        data = self.cleaned_data
        ratings = {r.dimension_id: r.level for r in current.ratings.all()}
        reflections = {c.label: (c.state, c.note) for c in current.conditions.all()}
        states = dict(ConditionState.choices)
        changes = []
        for dimension, name in self.dimension_fields:
            names = {lvl.level: f"{lvl.level} – {lvl.name}" for lvl in dimension.levels.all()}
            saved, yours = ratings.get(dimension.pk), data.get(name)
            if saved != yours:
                changes.append(FieldChange(dimension.name, names.get(saved, "–"), names.get(yours, "–")))
        for condition, state, note in self.condition_fields:
            saved = reflections.get(condition.label, ("", ""))
            yours = (data.get(state) or "", data.get(note) or "")
            if saved != yours:
                changes.append(
                    FieldChange(
                        str(self.fields[state].label),
                        " – ".join(str(p) for p in (states.get(saved[0], "–"), saved[1]) if p),
                        " – ".join(str(p) for p in (states.get(yours[0], "–"), yours[1]) if p),
                    )
                )
        if current.comment != data["comment"]:
            changes.append(
                FieldChange(str(self.fields["comment"].label), current.comment or "–", data["comment"] or "–")
            )
        self.conflict_changes = changes
        self.add_error(
            None,
            gettext(
                "Jemand anderes hat diese Selbsteinschätzung inzwischen gespeichert. Ihre Eingaben stehen "
                "noch im Formular; bitte prüfen und erneut speichern."
            ),
        )
        posted = self.data.copy()
        posted["version"] = str(current.version)
        self.data = posted

    def bound_dimensions(self):
        return [(dimension, self[name]) for dimension, name in self.dimension_fields]

    def bound_conditions(self):
        return [(condition, self[state], self[note]) for condition, state, note in self.condition_fields]


class QualityDimensionForm(VersionedModelForm):
    class Meta:
        model = QualityDimension
        fields = ["name", "description", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class QualityLevelForm(VersionedModelForm):
    class Meta:
        model = QualityLevel
        fields = ["name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


QualityLevelFormSet = row_formset(QualityDimension, QualityLevel, QualityLevelForm, extra=0, can_delete=False)
