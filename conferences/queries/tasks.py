"""Meine Aufgaben as queries: the user's tasks and the counts the start page shows."""

from __future__ import annotations

from functools import partial

from django.db import router
from django.db.models import Count, IntegerField, Min, Q, Value
from django.utils import timezone

from conferences.models import Task, TaskStatus
from conferences.models.task import assigned, visibility_key
from kooperation.core.compiled import fetch_keyed


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

    The query's SQL is compiled once per key: `visibility_key` names everything the visibility rules and
    `assigned` read of the user (user, institutions, Koordination's institutions, Administration, the day,
    which is also the overdue boundary).
    """
    key = ("task_summary", overdue_in_scope, *visibility_key(user))
    build = partial(summary_queryset, user, overdue_in_scope=overdue_in_scope)
    rows = fetch_keyed(key, build, router.db_for_read(Task))
    if not rows:  # nothing the user may see: what aggregate() gives for an empty queryset
        empty = {"open": 0, "overdue": 0, "next_due": None}
        return {**empty, "overdue_in_scope": 0} if overdue_in_scope else empty
    summary = rows[0]
    del summary["one"]
    return summary


def summary_queryset(user, *, overdue_in_scope: bool = False):
    """`task_summary`'s aggregate as a one-row `.values()` queryset (grouped by a constant: no GROUP BY).

    `Task.objects.visible_to(user)…aggregate(**figures)` gives the same figures; as a values queryset its
    SQL can be compiled once and rerun (tests/test_task_visibility.py compares both).
    """
    today = timezone.localdate()
    tasks = Task.objects.visible_to(user).filter(status=TaskStatus.OFFEN)
    overdue = Q(due_on__lt=today)
    if not overdue_in_scope:
        tasks = tasks.assigned_to(user)
        figures = {"open": Count("pk"), "overdue": Count("pk", filter=overdue), "next_due": Min("due_on")}
    else:
        # On the task's own row, not `pk IN (assigned tasks)`: the same rows without a second subquery to compile.
        mine = assigned(user)
        tasks = tasks.filter(mine | overdue)
        figures = {
            "open": Count("pk", filter=mine),
            "overdue": Count("pk", filter=mine & overdue),
            "next_due": Min("due_on", filter=mine),
            "overdue_in_scope": Count("pk", filter=overdue),
        }
    return tasks.order_by().annotate(one=Value(1, output_field=IntegerField())).values("one").annotate(**figures)
