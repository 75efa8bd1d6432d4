"""The network picture: which institutions cooperate under which agreements."""

from __future__ import annotations

from django.shortcuts import render

from agreements.forms.network_picture import NetworkPictureFilterForm
from agreements.queries import network_picture as network_picture_data


def network_picture(request):
    """Which institutions cooperate under which agreements, filterable by Arbeitsfeld."""
    form = NetworkPictureFilterForm(request.GET or None, user=request.user)
    data = form.cleaned_data if form.is_valid() else {}
    picture = network_picture_data.build(
        request.user,
        data.get("arbeitsfeld"),
        bool(data.get("beendet")),
        institution=data.get("institution"),
        page=request.GET.get("page"),
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "agreements/network_picture.html",
        {"filter_form": form, "query": query.urlencode(), "matrix_limit": network_picture_data.MATRIX_LIMIT, **picture},
    )
