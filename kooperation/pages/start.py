"""The start page for Koordination: where the work of the network is waiting."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from django.db import router
from django.db.models import Count, Exists, F, Func, IntegerField, OuterRef, Q, Subquery
from django.utils import timezone

from agreements.models import (
    Agreement,
    Approval,
    AssessmentStatus,
    Partner,
    QualityDialogue,
    SelfAssessment,
    Signature,
    Status,
)
from conferences.queries.tasks import task_summary
from kooperation.core.compiled import fetch_keyed
from kooperation.network.models import Role
from kooperation.network.scope import institution_ids

IN_FORCE = (Status.IN_KRAFT, Status.UEBERPRUEFUNG_FAELLIG)


def overview(user, tasks: dict | None = None) -> dict | None:
    """Agreements by status, reviews due in 90 days, open approvals and signatures,
    overdue tasks and this year's quality dialogues still outstanding; None for non-Koordination.

    `tasks` is the start page's `task_summary(user, overdue_in_scope=True)`, computed here if not given.
    Three queries: the counts by status, the agreements of the lists, the self-assessments waiting.
    """
    own = institution_ids(user, Role.KOORDINATION)
    if not own:
        return None
    today = timezone.localdate()
    soon = today + timedelta(days=90)
    # Each query's SQL depends only on its key: compiled once per key and database (fetch_keyed).
    own = tuple(sorted(own))
    using = router.db_for_read(Agreement)
    counts = {row["status"]: row["n"] for row in fetch_keyed(("start.counts", own), partial(_counts, own), using)}
    by_status = [(value, label, counts.get(value, 0)) for value, label in Status.choices]
    rows = fetch_keyed(("start.rows", own, today), partial(_rows, own, today), using)
    in_force = [row for row in rows if row.status in IN_FORCE]
    reviews = sorted(
        (row for row in in_force if row.review_due_on is not None and row.review_due_on <= soon),
        key=lambda row: (row.review_due_on, row.pk),
    )[:10]
    waiting = fetch_keyed(("start.waiting", own, today), partial(_waiting, own, today), using)
    if tasks is None:
        tasks = task_summary(user, overdue_in_scope=True)
    return {
        "by_status": by_status,
        "reviews": reviews,
        "approvals": [row for row in rows if row.status == Status.IN_ABSTIMMUNG],
        "signatures": [row for row in rows if row.status == Status.ZUR_UNTERZEICHNUNG],
        "overdue_tasks": {"count": tasks["overdue_in_scope"]},
        "dialogues_not_opened": [row for row in in_force if not row.dialogue_opened],
        "assessments_waiting": waiting,
        "year": today.year,
    }


def _agreements(own: tuple):
    """The agreements one of the institutions `own` is a partner of."""
    return Agreement.objects.filter(pk__in=_mine(own))


def _mine(own: tuple):
    return Agreement.objects.filter(partners__institution_id__in=own).values("pk")


def _counts(own: tuple):
    """The number of agreements by status."""
    return _agreements(own).values("status").annotate(n=Count("pk")).order_by()


def _rows(own: tuple, today):
    """One query for the four lists; each is picked from it, in the order the query gives (title, pk)."""
    soon = today + timedelta(days=90)
    return (
        _agreements(own)
        .annotate(
            dialogue_opened=Exists(QualityDialogue.objects.filter(agreement=OuterRef("pk"), year=today.year)),
            partner_count=_count(Partner.objects.filter(agreement=OuterRef("pk"))),
            decided=_count(Approval.objects.filter(round__agreement=OuterRef("pk"), round__closed_at__isnull=True)),
            signed=_count(Signature.objects.filter(agreement=OuterRef("pk"))),
        )
        .filter(
            Q(status__in=IN_FORCE, review_due_on__lte=soon)
            | Q(status__in=IN_FORCE, dialogue_opened=False)
            | Q(status__in=[Status.IN_ABSTIMMUNG, Status.ZUR_UNTERZEICHNUNG])
        )
        .only("pk", "title", "status", "review_due_on")
        .order_by("title", "pk")
    )


def _waiting(own: tuple, today):
    """This year's self-assessments of the institutions `own` still in draft."""
    return (
        SelfAssessment.objects.filter(
            dialogue__year=today.year,
            dialogue__agreement__in=_mine(own),
            institution_id__in=own,
            status=AssessmentStatus.DRAFT,
        )
        .select_related("dialogue__agreement", "institution")
        .only(
            "dialogue_id",
            "institution_id",
            "dialogue__agreement__title",
            "institution__name",
            "institution__short_name",
        )
        .order_by("dialogue__agreement__title", "institution__name", "pk")
    )


def _count(queryset) -> Subquery:
    """The number of rows of a correlated queryset, as a subquery (no join, no GROUP BY in the outer query)."""
    counted = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Subquery(counted, output_field=IntegerField())
