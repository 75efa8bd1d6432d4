"""The filter of the network picture."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from agreements.models import Agreement, Partner, Status
from kooperation.core.forms import FilterForm
from kooperation.core.widgets import SearchSelect
from kooperation.network.models import Arbeitsfeld, Institution


class NetworkPictureFilterForm(FilterForm):
    arbeitsfeld = forms.ModelChoiceField(
        label=_("Arbeitsfeld"), queryset=Arbeitsfeld.objects.all(), required=False, empty_label=_("Alle Arbeitsfelder")
    )
    institution = forms.ModelChoiceField(
        label=_("Institution"),
        queryset=Institution.objects.none(),
        required=False,
        empty_label=_("Alle"),
        # Searched by submitting the filter: the choices are the partners of the agreements the user may see.
        widget=SearchSelect(),
    )
    beendet = forms.BooleanField(label=_("auch beendete Vereinbarungen"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        agreements = Agreement.objects.visible_to(user)
        if not self.data.get("beendet"):
            agreements = agreements.exclude(status=Status.BEENDET)
        self.fields["institution"].queryset = Institution.objects.filter(
            pk__in=Partner.objects.filter(agreement__in=agreements).values("institution_id")
        ).select_related("arbeitsfeld")
        self.fields["beendet"].widget.attrs["class"] = "form-check-input"
