"""The start page for Koordination: where the work of the network is waiting."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from agreements.models import Agreement, Approval, AssessmentStatus, QualityDialogue, SelfAssessment, Status
from conferences.models import Task, TaskStatus
from kooperation.network.models import Role
from kooperation.network.scope import institution_ids

IN_FORCE = (Status.IN_KRAFT, Status.UEBERPRUEFUNG_FAELLIG)


def overview(user) -> dict | None:
    """Agreements by status, reviews due in 90 days, open approvals and signatures,
    overdue tasks and this year's quality dialogues still outstanding; None for non-Koordination."""
    own = institution_ids(user, Role.KOORDINATION)
    if not own:
        return None
    today = timezone.localdate()
    mine = Agreement.objects.filter(partners__institution_id__in=own).values("pk")
    agreements = Agreement.objects.filter(pk__in=mine)
    counts = dict(agreements.values_list("status").annotate(n=Count("pk")).order_by())
    by_status = [(value, label, counts.get(value, 0)) for value, label in Status.choices]
    reviews = list(
        agreements.filter(status__in=IN_FORCE, review_due_on__lte=today + timedelta(days=90)).order_by(
            "review_due_on", "pk"
        )[:10]
    )
    decided = (
        Approval.objects.filter(round__agreement=OuterRef("pk"), round__closed_at__isnull=True)
        .values("round__agreement")
        .annotate(n=Count("pk"))
        .values("n")
    )
    approvals = list(
        agreements.filter(status=Status.IN_ABSTIMMUNG)
        .annotate(
            partner_count=Count("partners", distinct=True),
            decided=Coalesce(Subquery(decided, output_field=IntegerField()), Value(0)),
        )
        .order_by("title", "pk")
    )
    signatures = list(
        agreements.filter(status=Status.ZUR_UNTERZEICHNUNG)
        .annotate(partner_count=Count("partners", distinct=True), signed=Count("signatures", distinct=True))
        .order_by("title", "pk")
    )
    this_year = QualityDialogue.objects.filter(agreement=OuterRef("pk"), year=today.year)
    not_opened = list(
        agreements.filter(status__in=IN_FORCE).annotate(has=Exists(this_year)).filter(has=False).order_by("title")
    )
    waiting = list(
        SelfAssessment.objects.filter(
            dialogue__year=today.year,
            dialogue__agreement__in=mine,
            institution_id__in=own,
            status=AssessmentStatus.DRAFT,
        )
        .select_related("dialogue__agreement", "institution")
        .order_by("dialogue__agreement__title", "institution__name", "pk")
    )
    return {
        "by_status": by_status,
        "reviews": reviews,
        "approvals": approvals,
        "signatures": signatures,
        "overdue_tasks": _overdue_tasks(user, today),
        "dialogues_not_opened": not_opened,
        "assessments_waiting": waiting,
        "year": today.year,
    }


def _overdue_tasks(user, today) -> dict:
    return {"count": Task.objects.visible_to(user).filter(status=TaskStatus.OFFEN, due_on__lt=today).count()}
