"""Formset rows shared by both apps: versioned and ordered rows, one factory, and the htmx blank row."""

from __future__ import annotations

from django import forms
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.choices import BaseChoiceIterator
from django.utils.translation import gettext as _

from kooperation.core.concurrency import ConflictError
from kooperation.core.forms import helper
from kooperation.core.limits import MAX_ROWS, RowLimitMixin, bound_order_field, row_limits

# Highest row index a blank-row request may ask for; guards against absurd TOTAL_FORMS values.
MAX_ROW_INDEX = 999


class FixedChoices(BaseChoiceIterator):
    """Choices already as Django normalises them ((value, label) pairs, no groups): a field given these keeps
    them as they are instead of normalising the same list again for every row of a formset."""

    def __init__(self, choices: list):
        self.choices = choices

    def __iter__(self):
        return iter(self.choices)

    def __len__(self) -> int:
        return len(self.choices)


class SharedChoicesMixin:
    """Load the options of the named select fields once per formset instead of once per row."""

    shared_choice_fields: tuple[str, ...] = ()

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        shared = self.__dict__.setdefault("_shared_choices", {})
        for name in self.shared_choice_fields:
            if name not in shared:
                # iter(): list() would first ask the choices for their length (an extra COUNT).
                shared[name] = FixedChoices(list(iter(form.fields[name].choices)))
            # Rendering uses these; validation still checks the field's queryset.
            form.fields[name].choices = shared[name]
        return form


class VersionedFormSetMixin(RowLimitMixin):
    """Rows that each carry their version; a stale row refuses the whole save."""

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

    def show_conflict(self, current) -> None:
        """Show a conflict on the row it concerns, or on the first row."""
        concerned = [f for f in self.forms if current is not None and f.instance.pk == current.pk]
        (concerned or self.forms)[0].show_conflict(current)

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


class VersionedModelFormSet(VersionedFormSetMixin, forms.BaseModelFormSet):
    """Versioned rows of a queryset (no parent object)."""


def row_formset(
    parent,
    model,
    form,
    formset=VersionedInlineFormSet,
    *,
    extra: int = 1,
    can_delete: bool = True,
    can_order: bool = False,
    shared_choices: tuple[str, ...] = (),
    max_rows: int = MAX_ROWS,
):
    """Build the inline formset of a parent's versioned rows; `shared_choices` name selects loaded once for all."""
    if shared_choices:
        formset = type(
            f"{model.__name__}RowsFormSet", (SharedChoicesMixin, formset), {"shared_choice_fields": shared_choices}
        )
    return forms.inlineformset_factory(
        parent,
        model,
        form=form,
        formset=formset,
        extra=extra,
        can_delete=can_delete,
        can_delete_extra=False,  # a new, empty row has nothing to delete
        can_order=can_order,
        **row_limits(max_rows),
    )


def row_helper(*layout):
    """Build a crispy helper for a formset row: the layout places the visible fields, the hidden ones follow."""
    form_helper = helper(*layout)
    form_helper.render_unmentioned_fields = True
    return form_helper


def blank_row(formset, index: int):
    """Build the blank form of row `index`, numbered as the formset would number it."""
    form = formset.form(
        auto_id=formset.auto_id,
        prefix=formset.add_prefix(index),
        empty_permitted=True,
        use_required_attribute=False,
        **formset.get_form_kwargs(None),
    )
    formset.add_fields(form, index)
    if "ORDER" in form.fields:
        form.fields["ORDER"].initial = index + 1
    return form


def render_blank_row(request, formset, template: str, page_url: str, context: dict | None = None):
    """Render one blank row for htmx to append; a plain browser request goes to the whole form instead.

    Without JavaScript the form already offers blank rows, so a direct visit of this URL
    (a bookmark, a disabled script) is sent to the page rather than shown a bare fragment.
    """
    if not request.htmx:
        return redirect(page_url)
    try:
        index = int(request.GET.get(f"{formset.prefix}-TOTAL_FORMS", ""))
    except ValueError:
        index = formset.total_form_count()
    index = max(0, min(index, MAX_ROW_INDEX))
    return render(
        request,
        template,
        {
            **(context or {}),
            "form": blank_row(formset, index),
            "index": index,
            "total": index + 1,
            "formset": formset,
            "oob": True,
        },
    )
