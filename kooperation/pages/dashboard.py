"""The start page (Übersicht): the user's institutions, agreements and what the work expects now."""

from __future__ import annotations

from functools import partial
from itertools import groupby

from django.db import router
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
from kooperation.core.compiled import fetch_keyed
from kooperation.network.models import Role
from kooperation.network.scope import institution_ids, memberships
from kooperation.pages import start

# What the lists of the start page show of an agreement and an institution (no texts, no other columns).
AGREEMENT_AND_INSTITUTION = ("agreement__title", "institution__name", "institution__short_name")
DRAFTING = (Status.ENTWURF, Status.IN_ERARBEITUNG)


def expectations(user) -> dict:
    """What the working structure expects of the user now (open questions, approvals)."""
    # Each query's SQL depends only on its key: compiled once per key and database (fetch_keyed).
    user_id, own, today = user.pk, tuple(sorted(institution_ids(user))), timezone.localdate()
    leitung = tuple(sorted(institution_ids(user, Role.LEITUNG)))
    using = router.db_for_read(Partner)
    open_answers = fetch_keyed(("dashboard.open_answers", user_id, own), partial(_open_answers, user_id, own), using)
    approvals = fetch_keyed(("dashboard.approvals", user_id, own), partial(_approvals, user_id, own), using)
    partners = fetch_keyed(
        ("dashboard.partners", user_id, own, leitung, today), partial(_partners, user_id, own, leitung, today), using
    )
    reflections = sorted(
        (partner for partner in partners if partner.agreement.status in DRAFTING),
        key=lambda partner: (partner.position, partner.pk),
    )
    signatures = [partner for partner in partners if partner.agreement.status == Status.ZUR_UNTERZEICHNUNG]
    return {
        "open_answers": open_answers,
        "approvals": approvals,
        "reflections": reflections,
        "signatures": signatures,
    }


def _open_answers(user_id: int, own: tuple):
    """The user's subgroups with draft answers, per subgroup, while the agreement is being drafted."""
    # A member who has left the subgroup's institution no longer works in it.
    own_groups = Subgroup.objects.filter(
        Q(institution_id__in=own)
        | Q(
            institution__isnull=True,
            arbeitsfeld__institutions__in=own,
            arbeitsfeld__institutions__partnerships__agreement=F("agreement"),
        )
    )
    return (
        SubgroupAnswer.objects.filter(
            subgroup__members=user_id,
            subgroup__in=own_groups.values("pk"),
            status=AnswerStatus.DRAFT,
            subgroup__agreement__status=Status.IN_ERARBEITUNG,
        )
        .values("subgroup_id", "subgroup__name", "subgroup__agreement__title")
        .annotate(count=Count("pk"))
        .order_by("subgroup__agreement__title", "subgroup__name")
    )


def _approvals(user_id: int, own: tuple):
    """The user's board seats whose institution has not yet decided in the open round."""
    decided = Approval.objects.filter(
        round__agreement=OuterRef("agreement"), round__closed_at__isnull=True, institution=OuterRef("institution")
    )
    # Only while a round is open: once every partner approved, the round is closed and nothing is expected.
    open_round = ApprovalRound.objects.filter(agreement=OuterRef("agreement"), closed_at__isnull=True)
    return (
        BoardMember.objects.filter(user=user_id, institution_id__in=own, agreement__status=Status.IN_ABSTIMMUNG)
        .filter(Exists(open_round), ~Exists(decided))
        .select_related("agreement", "institution")
        .only(*AGREEMENT_AND_INSTITUTION)
    )


def _partners(user_id: int, own: tuple, leitung: tuple, today):
    """One query for two lists: the partners whose interne Klärung is still a draft, and
    (Ihre Unterschrift wird erwartet) the Leitung's (or deputy's) partners of revisions waiting for signatures."""
    deputy_for = Deputy.objects.filter(user=user_id, valid_from__lte=today, valid_until__gte=today)
    signed = Signature.objects.valid().filter(agreement=OuterRef("agreement"), institution=OuterRef("institution"))
    reflecting = Q(
        institution_id__in=own,
        agreement__status__in=DRAFTING,
        reflection_pending=True,
    )
    signing = (
        Q(agreement__status=Status.ZUR_UNTERZEICHNUNG)
        & (Q(institution_id__in=leitung) | Q(institution_id__in=deputy_for.values("institution_id")))
        & ~Exists(signed)
    )
    return (
        Partner.objects.annotate(
            reflection_pending=Exists(Reflection.objects.filter(partner=OuterRef("pk"), status=AnswerStatus.DRAFT))
        )
        .filter(reflecting | signing)
        .select_related("agreement", "institution")
        .only("position", "agreement__status", *AGREEMENT_AND_INSTITUTION)
        .order_by("agreement__title", "pk")
    )


def _recent_agreements(user):
    """The ten agreements the user sees that changed last."""
    return (
        Agreement.objects.visible_to(user)
        .only("pk", "title", "status", "revision", "stand", "in_force_from")
        .order_by("-updated_at", "pk")[:10]
    )


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
    # Agreement.visible_to depends only on these two inputs.
    scope = (request.user.is_administration, tuple(sorted(institution_ids(request.user))))
    agreements = fetch_keyed(
        ("dashboard.agreements", *scope), partial(_recent_agreements, request.user), router.db_for_read(Agreement)
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
