"""Meine Aufgaben as queries: the user's tasks and the counts the start page shows."""

from __future__ import annotations

from django.db.models import Count, Min, Q
from django.utils import timezone

from conferences.models import Task, TaskStatus
from conferences.models.task import assigned


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


def task_summary(user, *, overdue_in_scope: bool = False) -> dict:
    """Counts for the start page: open, overdue, next due date (one query, no case content).

    With `overdue_in_scope`, also `overdue_in_scope`: the overdue open tasks of all cases and meetings
    the user may see, not only the user's own (the Koordination's figure), in the same query.
    """
    today = timezone.localdate()
    tasks = Task.objects.visible_to(user).filter(status=TaskStatus.OFFEN)
    overdue = Q(due_on__lt=today)
    if not overdue_in_scope:
        return tasks.assigned_to(user).aggregate(
            open=Count("pk"), overdue=Count("pk", filter=overdue), next_due=Min("due_on")
        )
    # On the task's own row, not `pk IN (assigned tasks)`: the same rows without a second subquery to compile.
    mine = assigned(user)
    tasks = tasks.filter(mine | overdue)
    return tasks.aggregate(
        open=Count("pk", filter=mine),
        overdue=Count("pk", filter=mine & overdue),
        next_due=Min("due_on", filter=mine),
        overdue_in_scope=Count("pk", filter=overdue),
    )
