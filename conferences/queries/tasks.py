"""Meine Aufgaben as queries: the user's tasks and the counts the start page shows."""

from __future__ import annotations

from django.db.models import Count, Min, Q
from django.utils import timezone

from conferences.models import Task, TaskStatus


def my_tasks_queryset(user):
    """Tasks for the user or the user's institutions in cases and meetings the user may see."""
    return (
        Task.objects.visible_to(user)
        .assigned_to(user)
        .select_related(
            "case",
            "conference",
            "meeting__agreement",
            "meeting__subgroup",
            "meeting__quality_dialogue",
            "responsible_institution",
            "responsible_user",
        )
        .order_by("due_on", "pk")
    )


def task_summary(user) -> dict:
    """Counts for the start page: open, overdue, next due date (one query, no case content)."""
    today = timezone.localdate()
    return (
        Task.objects.visible_to(user)
        .assigned_to(user)
        .filter(status=TaskStatus.OFFEN)
        .aggregate(open=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=today)), next_due=Min("due_on"))
    )
