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
    Reflection,
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

# What the lists of the start page show of an agreement and an institution (no texts, no other columns).
AGREEMENT_AND_INSTITUTION = ("agreement__title", "institution__name", "institution__short_name")


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
        .only(*AGREEMENT_AND_INSTITUTION)
    )
    # One query for two lists: the partners whose interne Klärung is still a draft, and
    # (Ihre Unterschrift wird erwartet) the Leitung's (or deputy's) partners of revisions waiting for signatures.
    today = timezone.localdate()
    deputy_for = Deputy.objects.filter(user=user, valid_from__lte=today, valid_until__gte=today)
    signed = Signature.objects.valid().filter(agreement=OuterRef("agreement"), institution=OuterRef("institution"))
    drafting = [Status.ENTWURF, Status.IN_ERARBEITUNG]
    reflecting = Q(
        institution_id__in=own,
        agreement__status__in=drafting,
        reflection_pending=True,
    )
    signing = (
        Q(agreement__status=Status.ZUR_UNTERZEICHNUNG)
        & (
            Q(institution_id__in=institution_ids(user, Role.LEITUNG))
            | Q(institution_id__in=deputy_for.values("institution_id"))
        )
        & ~Exists(signed)
    )
    partners = list(
        Partner.objects.annotate(
            reflection_pending=Exists(Reflection.objects.filter(partner=OuterRef("pk"), status=AnswerStatus.DRAFT))
        )
        .filter(reflecting | signing)
        .select_related("agreement", "institution")
        .only("position", "agreement__status", *AGREEMENT_AND_INSTITUTION)
        .order_by("agreement__title", "pk")
    )
    reflections = sorted(
        (partner for partner in partners if partner.agreement.status in drafting),
        key=lambda partner: (partner.position, partner.pk),
    )
    signatures = [partner for partner in partners if partner.agreement.status == Status.ZUR_UNTERZEICHNUNG]
    return {
        "open_answers": list(open_answers),
        "approvals": list(approvals),
        "reflections": reflections,
        "signatures": signatures,
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
        .only("pk", "title", "status", "revision", "stand", "in_force_from")
        .order_by("-updated_at", "pk")[:10]
    )
    # One query for the user's task figures and, for the Koordination, the overdue tasks in its scope.
    tasks = task_summary(request.user, overdue_in_scope=bool(institution_ids(request.user, Role.KOORDINATION)))
    return render(
        request,
        "pages/dashboard.html",
        {
            "institutions": institutions,
            "agreements": agreements,
            "tasks": tasks,
            "coordination": start.overview(request.user, tasks),
            "primary_action": primary_action(request.user),
            "urls": {"agreement": _url_prefix("agreement_detail"), "institution": _url_prefix("institution_detail")},
            **expectations(request.user),
        },
    )


def _url_prefix(name: str) -> str:
    """The URL of the route `name` (one `<int:pk>` ending in "/") without the pk: rows append "{pk}/"
    (one `reverse` per list instead of one per row)."""
    url = reverse(name, args=[0])
    if not url.endswith("/0/"):
        raise ValueError(f"{name} does not end in its pk: {url}")
    return url[:-2]
