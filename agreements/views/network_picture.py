"""The network picture: which institutions cooperate under which agreements."""

from __future__ import annotations

from django.shortcuts import render

from agreements.forms.network_picture import NetworkPictureFilterForm
from agreements.queries import network_picture as network_picture_data


def network_picture(request):
    """Which institutions cooperate under which agreements, filterable by Arbeitsfeld."""
    form = NetworkPictureFilterForm(request.GET or None)
    arbeitsfeld = form.cleaned_data["arbeitsfeld"] if form.is_valid() else None
    include_ended = bool(form.cleaned_data.get("beendet")) if form.is_valid() else False
    picture = network_picture_data.build(request.user, arbeitsfeld, include_ended)
    return render(request, "agreements/network_picture.html", {"filter_form": form, **picture})
