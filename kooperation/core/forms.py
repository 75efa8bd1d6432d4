"""Form base classes shared by both apps: crispy helpers and conflict-safe saving."""

from __future__ import annotations

from dataclasses import dataclass

from crispy_forms.helper import FormHelper
from django import forms
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kooperation.core.concurrency import ConflictError, claim_version
from kooperation.core.limits import MAX_VERSION, RowLimitMixin, bound_order_field, bound_texts


def helper(*layout) -> FormHelper:
    """A crispy helper that renders fields only; templates own the <form> tag."""
    form_helper = FormHelper()
    form_helper.form_tag = False
    form_helper.disable_csrf = True
    if layout:
        from crispy_forms.layout import Layout

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


def save_with_conflict_check(form_or_formset) -> bool:
    """Save; on a concurrent change show the conflict on the form and return False."""
    try:
        form_or_formset.save()
    except ConflictError as conflict:
        target = getattr(conflict, "form", None) or form_or_formset
        target.show_conflict(conflict.current)
        if target is not form_or_formset:
            form_or_formset.has_conflict = True
        return False
    return True


class SharedChoicesMixin:
    """Load the options of the named select fields once per formset instead of once per row."""

    shared_choice_fields: tuple[str, ...] = ()

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        shared = self.__dict__.setdefault("_shared_choices", {})
        for name in self.shared_choice_fields:
            if name not in shared:
                # iter(): list() would first ask the choices for their length (an extra COUNT).
                shared[name] = list(iter(form.fields[name].choices))
            # Rendering uses these; validation still checks the field's queryset.
            form.fields[name].choices = shared[name]
        return form


class VersionedFormSetMixin(RowLimitMixin):
    """Rows that each carry their version; a stale row refuses the whole save."""

    has_conflict = False

    def save(self, commit: bool = True):
        with transaction.atomic():
            return super().save(commit)

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        # A submitted row whose id is gone was deleted by someone else since the page was loaded.
        form.deleted_meanwhile = self.is_bound and i < self.initial_form_count() and form.instance.pk is None
        return form

    def full_clean(self):
        super().full_clean()
        for form in self.forms:
            if getattr(form, "deleted_meanwhile", False) and not self._should_delete_form(form):
                form.conflict_deleted = True
                form.add_error(None, _("Dieser Eintrag wurde inzwischen von jemand anderem gelöscht."))

    def _form_for(self, obj):
        return next(f for f in self.initial_forms if f.instance.pk == obj.pk)

    def save_existing(self, form, obj, commit=True):
        try:
            return form.save(commit=commit)
        except ConflictError as conflict:
            conflict.form = form
            raise

    def delete_existing(self, obj, commit=True):
        form = self._form_for(obj)
        try:
            form.claim()
        except ConflictError as conflict:
            conflict.form = form
            raise
        super().delete_existing(obj, commit)


class VersionedInlineFormSet(VersionedFormSetMixin, forms.BaseInlineFormSet):
    """Versioned rows belonging to one parent; new rows are appended in form order."""

    def save_new(self, form, commit=True):
        obj = form.save(commit=False)
        setattr(obj, self.fk.name, self.instance)
        obj.position = self._position(form)
        if commit:
            obj.save()
            form.save_m2m()
            if hasattr(form, "save_children"):
                form.save_children(obj)
        return obj

    def _position(self, form) -> int:
        return self.forms.index(form)


class NewRowPositionField(forms.IntegerField):
    """The Position of a row not saved yet: it places the row but does not make a blank row an entry."""

    def has_changed(self, initial, data) -> bool:
        return False


class OrderedInlineFormSet(VersionedInlineFormSet):
    """Ordered rows: the ORDER field (moved by buttons, or typed without JavaScript) sets positions."""

    ordering_widget = forms.NumberInput

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "ORDER" in form.fields:
            if index is None or index >= self.initial_form_count():
                # The move buttons number every row, the blank one too; a position alone is no new entry.
                form.fields["ORDER"] = NewRowPositionField(required=False, widget=self.get_ordering_widget())
            form.fields["ORDER"].label = _("Position")
            bound_order_field(form.fields["ORDER"])
            form.fields["ORDER"].widget.attrs.update({"class": "form-control order-input", "min": 1})

    def _position(self, form) -> int:
        order = form.cleaned_data.get("ORDER")
        return order if order is not None else len(self.forms) + self.forms.index(form)

    def save_existing(self, form, obj, commit=True):
        obj.position = self._position(form)
        return super().save_existing(form, obj, commit)


class FilterForm(forms.Form):
    """A GET filter for a list; subclasses implement filter_queryset()."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def filter_queryset(self, queryset):
        raise NotImplementedError
