"""The filter of the network picture."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kooperation.core.forms import FilterForm
from kooperation.network.models import Arbeitsfeld


class NetworkPictureFilterForm(FilterForm):
    arbeitsfeld = forms.ModelChoiceField(
        label=_("Arbeitsfeld"), queryset=Arbeitsfeld.objects.all(), required=False, empty_label=_("Alle Arbeitsfelder")
    )
    beendet = forms.BooleanField(label=_("auch beendete Vereinbarungen"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["beendet"].widget.attrs["class"] = "form-check-input"
