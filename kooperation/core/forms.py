"""Form base classes shared by both apps: crispy helpers and conflict-safe saving."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from django import forms
from django.db import models, transaction
from django.forms.renderers import DjangoTemplates
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kooperation.core.concurrency import ConflictError, claim_version
from kooperation.core.limits import MAX_VERSION, bound_texts
from kooperation.core.widgets import browser_value


def helper(*layout) -> FormHelper:
    """A crispy helper that renders fields only; templates own the <form> tag."""
    form_helper = FormHelper()
    form_helper.form_tag = False
    form_helper.disable_csrf = True
    if layout:
        form_helper.layout = Layout(*layout)
    return form_helper


@dataclass
class FieldChange:
    label: str
    saved: str
    yours: str


def _display(form: forms.BaseForm, name: str, value) -> str:
    field = form.fields[name]
    if value in (None, ""):
        return "–"
    if isinstance(value, bool):
        return _("ja") if value else _("nein")
    if hasattr(field, "choices") and not hasattr(value, "pk"):
        labels = dict(field.choices)
        if isinstance(value, (list, tuple, set)):
            return ", ".join(str(labels.get(v, v)) for v in value)
        return str(labels.get(value, value))
    if hasattr(value, "all") and callable(value.all):
        return ", ".join(str(v) for v in value.all())
    return str(value)


class VersionedModelForm(forms.ModelForm):
    """A model form that refuses to overwrite a row someone else saved meanwhile."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0, max_value=MAX_VERSION)
    # Formset rows that set this (field name → Bootstrap column classes) render without crispy
    # (kooperation/core/compact.py): a protocol has dozens of rows.
    compact_columns: dict[str, str] = {}
    # Rows shown as table rows instead (field name → classes of its cell), e.g. the participants.
    table_columns: dict[str, str] = {}

    conflict_message = gettext_lazy(
        "Diese Angaben wurden gespeichert, während Sie sie bearbeitet haben. Ihre Eingaben stehen "
        "unten noch im Formular; vergleichen Sie sie mit der gespeicherten Fassung und speichern "
        "Sie erneut, um Ihre Fassung zu übernehmen."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bound_texts(self)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
        self.conflict_changes: list[FieldChange] | None = None
        self.conflict_deleted = False

    def claim(self) -> None:
        """Take the row's next version or raise ConflictError (call inside a transaction)."""
        if self.instance.pk:
            claim_version(self.instance, self.cleaned_data.get("version") or 0)

    def save(self, commit: bool = True):
        if not commit or not self.instance.pk:
            return super().save(commit)
        with transaction.atomic():
            self.claim()
            return super().save(commit)

    def show_conflict(self, current) -> None:
        """Keep the user's input, show what was saved meanwhile, and accept the next save."""
        self.conflict_deleted = current is None
        if current is None:
            self.add_error(None, _("Dieser Eintrag wurde inzwischen von jemand anderem gelöscht."))
            return
        changes = []
        model_fields = {field.name for field in type(current)._meta.get_fields()}
        for name, field in self.fields.items():
            # Only what the user edits: not the hidden id/version/parent fields, not a formset's DELETE box.
            if field.widget.is_hidden or name not in model_fields or name not in self.cleaned_data:
                continue
            saved = getattr(current, name, None)
            yours = self.cleaned_data[name]
            if hasattr(saved, "all") and callable(saved.all):
                if {v.pk for v in saved.all()} == {getattr(v, "pk", v) for v in yours}:
                    continue
            elif saved == yours:
                continue
            changes.append(
                FieldChange(str(self.fields[name].label), _display(self, name, saved), _display(self, name, yours))
            )
        self.conflict_changes = changes
        self.add_error(None, self.conflict_message)
        data = self.data.copy()
        data[self.add_prefix("version")] = str(current.version)
        self.data = data


@dataclass(frozen=True)
class SaveOutcome:
    """Whether a conflict-checked save went through (its truth value), and what the save returned."""

    saved: bool
    value: object = None

    def __bool__(self) -> bool:
        return self.saved


def save_with_conflict_check(*parts, save: Callable[[], object] | None = None) -> SaveOutcome:
    """Save the forms and formsets (or run `save`) atomically; on a concurrent change show both versions instead."""
    parts = tuple(part for part in parts if part is not None)
    try:
        with transaction.atomic():
            if save is not None:
                value = save()
            else:
                value = None
                for part in parts:
                    part.save()
    except ConflictError as conflict:
        # A stale row names its own form; any other conflict concerns the first part (the main form).
        target = getattr(conflict, "form", None) or parts[0]
        target.show_conflict(conflict.current)
        return SaveOutcome(saved=False)
    return SaveOutcome(saved=True, value=value)


def rebind_after_conflict(form_class, data, current, message: str, **kwargs) -> forms.BaseForm:
    """Bind the user's input to a form built on the saved state, say what happened, and accept the next save."""
    # For forms whose choices depend on the saved state (partner lists, participants), so show_conflict cannot apply.
    data = data.copy()
    form = form_class(data, **kwargs)
    if current is not None:
        data[form.add_prefix("version")] = str(current.version)
    form.is_valid()
    form.add_error(None, message)
    return form


class FilterForm(forms.Form):
    """A GET filter for a list; subclasses implement filter_queryset()."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def filter_queryset(self, queryset):
        raise NotImplementedError

    def filter_key(self) -> tuple:
        """What `filter_queryset` reads of the request, as a hashable key (for SQL compiled once per key).

        The cleaned values of a valid form (model instances by their pk), or ("ungültig",) for an invalid
        one, which `filter_queryset` treats as no filter. A subclass reading anything else adds it.
        """
        if not self.is_valid():
            return ("ungültig",)
        return tuple((name, _key_value(value)) for name, value in sorted(self.cleaned_data.items()))


def _key_value(value):
    if isinstance(value, models.Model):
        return (value._meta.label, value.pk)
    if isinstance(value, (list, tuple, set, frozenset)) or hasattr(value, "model"):  # a multiple choice
        return tuple(sorted(_key_value(item) for item in value))
    return value


class BrowserValueRenderer(DjangoTemplates):
    """Django's form renderer, but a typed input never gets a value its browser field cannot hold.

    Bound forms show what was sent; for ``type="number"``, ``date``, ``time`` and ``url`` a value like "NaN" is
    invalid HTML (only scripts send it). Such a field is rendered empty; its German error stays.
    """

    def render(self, template_name, context, request=None):
        widget = context.get("widget") if isinstance(context, dict) else None
        if isinstance(widget, dict) and widget.get("type") in {"number", "date", "time", "url"}:
            widget["value"] = browser_value(widget["type"], widget.get("value"))
        return super().render(template_name, context, request)
