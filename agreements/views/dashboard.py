"""The start page (Übersicht)."""

from __future__ import annotations

from itertools import groupby

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from agreements.models import Agreement
from kooperation.permissions import memberships


@login_required
def dashboard(request):
    """Show the user's institutions and roles."""
    own = sorted(memberships(request.user), key=lambda m: (m.institution.name, m.role))
    institutions = [
        {"institution": institution, "roles": [m.get_role_display() for m in group]}
        for institution, group in groupby(own, key=lambda m: m.institution)
    ]
    agreements = (
        Agreement.objects.visible_to(request.user)
        .select_related("coordinating_institution")
        .order_by("-updated_at", "pk")[:10]
    )
    return render(request, "agreements/dashboard.html", {"institutions": institutions, "agreements": agreements})
