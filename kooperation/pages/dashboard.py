"""The start page (Übersicht): the user's institutions, agreements and what the work expects now."""

from __future__ import annotations

from itertools import groupby

from django.db.models import Count, Exists, F, OuterRef, Q
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements.models import (
    Agreement,
    AnswerStatus,
    Approval,
    ApprovalRound,
    BoardMember,
    Deputy,
    Partner,
    Signature,
    Status,
    Subgroup,
    SubgroupAnswer,
)
from agreements.permissions import can_create_agreement
from conferences.permissions import can_create_case
from conferences.queries.tasks import task_summary
from kooperation.network.models import Role
from kooperation.network.scope import institution_ids, memberships
from kooperation.pages import start


def expectations(user) -> dict:
    """What the working structure expects of the user now (open questions, approvals)."""
    own = institution_ids(user)
    # A member who has left the subgroup's institution no longer works in it.
    own_groups = Subgroup.objects.filter(
        Q(institution_id__in=own)
        | Q(
            institution__isnull=True,
            arbeitsfeld__institutions__in=own,
            arbeitsfeld__institutions__partnerships__agreement=F("agreement"),
        )
    )
    open_answers = (
        SubgroupAnswer.objects.filter(
            subgroup__members=user,
            subgroup__in=own_groups.values("pk"),
            status=AnswerStatus.DRAFT,
            subgroup__agreement__status=Status.IN_ERARBEITUNG,
        )
        .values("subgroup_id", "subgroup__name", "subgroup__agreement__title")
        .annotate(count=Count("pk"))
        .order_by("subgroup__agreement__title", "subgroup__name")
    )
    decided = Approval.objects.filter(
        round__agreement=OuterRef("agreement"), round__closed_at__isnull=True, institution=OuterRef("institution")
    )
    # Only while a round is open: once every partner approved, the round is closed and nothing is expected.
    open_round = ApprovalRound.objects.filter(agreement=OuterRef("agreement"), closed_at__isnull=True)
    approvals = (
        BoardMember.objects.filter(user=user, institution_id__in=own, agreement__status=Status.IN_ABSTIMMUNG)
        .filter(Exists(open_round), ~Exists(decided))
        .select_related("agreement", "institution")
    )
    reflections = (
        Partner.objects.filter(
            institution_id__in=own,
            agreement__status__in=[Status.ENTWURF, Status.IN_ERARBEITUNG],
            reflections__status=AnswerStatus.DRAFT,
        )
        .select_related("agreement", "institution")
        .distinct()
    )
    # Ihre Unterschrift wird erwartet: the Leitung's (or deputy's) partners of revisions waiting for signatures.
    today = timezone.localdate()
    deputy_for = Deputy.objects.filter(user=user, valid_from__lte=today, valid_until__gte=today)
    signed = Signature.objects.valid().filter(agreement=OuterRef("agreement"), institution=OuterRef("institution"))
    signatures = (
        Partner.objects.filter(agreement__status=Status.ZUR_UNTERZEICHNUNG)
        .filter(
            Q(institution_id__in=institution_ids(user, Role.LEITUNG))
            | Q(institution_id__in=deputy_for.values("institution_id"))
        )
        .filter(~Exists(signed))
        .select_related("agreement", "institution")
        .order_by("agreement__title", "pk")
    )
    return {
        "open_answers": list(open_answers),
        "approvals": list(approvals),
        "reflections": list(reflections),
        "signatures": list(signatures),
    }


def primary_action(user) -> dict | None:
    """The one solid button of the start page: what this person starts most often, if anything."""
    if can_create_agreement(user):
        return {"url": reverse("agreement_create"), "label": _("Vereinbarung anlegen")}
    if can_create_case(user):
        return {"url": reverse("case_create"), "label": _("Fall anlegen")}
    return None


def dashboard(request):
    """Show the user's institutions and roles, agreements and open work."""
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
    return render(
        request,
        "pages/dashboard.html",
        {
            "institutions": institutions,
            "agreements": agreements,
            "tasks": task_summary(request.user),
            "coordination": start.overview(request.user),
            "primary_action": primary_action(request.user),
            **expectations(request.user),
        },
    )
