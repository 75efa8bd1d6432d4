"""Administration maintains the default catalogues (Basiskriterien, Leitfragen, …)."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from agreements.forms.catalogue import CatalogueEntryFormSet
from agreements.models import CatalogueEntry, CatalogueKind
from kooperation.core.forms import save_with_conflict_check
from kooperation.network import permissions as perms


def catalogue_overview(request):
    """List the catalogues with their number of active entries."""
    perms.require(perms.can_manage_catalogues(request.user))
    counts = dict(CatalogueEntry.objects.filter(is_active=True).values_list("kind").annotate(n=Count("pk")).order_by())
    catalogues = [(kind, label, counts.get(kind, 0)) for kind, label in CatalogueKind.choices]
    return render(request, "agreements/catalogue_overview.html", {"catalogues": catalogues})


def catalogue_edit(request, kind: str):
    """Edit one catalogue; existing agreements keep their copies."""
    perms.require(perms.can_manage_catalogues(request.user))
    if kind not in CatalogueKind.values:
        raise Http404
    queryset = CatalogueEntry.objects.filter(kind=kind)
    formset = CatalogueEntryFormSet(request.POST or None, queryset=queryset, kind=kind, prefix="eintraege")
    if request.method == "POST" and formset.is_valid() and save_with_conflict_check(formset):
        messages.success(request, _("Der Katalog wurde gespeichert. Bestehende Vereinbarungen bleiben unverändert."))
        return redirect("catalogue_edit", kind=kind)
    return render(
        request,
        "agreements/catalogue_form.html",
        {"formset": formset, "kind": kind, "kind_label": CatalogueKind(kind).label},
    )
