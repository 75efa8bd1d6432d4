"""The catalogue editor: an ordered model formset over one catalogue kind."""

from __future__ import annotations

from django import forms

from agreements.models import CatalogueEntry
from kooperation.core.forms import VersionedModelForm
from kooperation.core.limits import bound_order_field, row_limits
from kooperation.core.rows import VersionedFormSetMixin


class CatalogueEntryForm(VersionedModelForm):
    class Meta:
        model = CatalogueEntry
        fields = ["label", "text", "is_active"]
        widgets = {"text": forms.Textarea(attrs={"rows": 2})}


class BaseCatalogueFormSet(VersionedFormSetMixin, forms.BaseModelFormSet):
    def __init__(self, *args, kind: str, **kwargs):
        self.kind = kind
        super().__init__(*args, **kwargs)

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "ORDER" in form.fields:
            bound_order_field(form.fields["ORDER"])

    def save_existing(self, form, obj, commit=True):
        obj.position = form.cleaned_data.get("ORDER") or obj.position
        return super().save_existing(form, obj, commit)

    def save_new(self, form, commit=True):
        obj = form.save(commit=False)
        obj.kind = self.kind
        obj.position = form.cleaned_data.get("ORDER") or (len(self.forms) + 1)
        if commit:
            obj.save()
        return obj


CatalogueEntryFormSet = forms.modelformset_factory(
    CatalogueEntry,
    form=CatalogueEntryForm,
    formset=BaseCatalogueFormSet,
    extra=1,
    can_delete=True,
    can_delete_extra=False,  # a new, empty row has nothing to delete
    can_order=True,
    # A catalogue is edited as one long list; its limit is above the usual row limit.
    **row_limits(200),
)
