"""Tasks: mark them done and send the daily reminders."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from conferences.models import Task, TaskStatus
from kooperation.core.concurrency import claim_version
from kooperation.core.errors import DomainError
from kooperation.core.mail import NotificationKind, notify
from kooperation.network.models import Membership, Role, User

logger = logging.getLogger(__name__)


REMINDER_DAYS = 3


@transaction.atomic
def set_task_status(user, task: Task, *, status: str, note: str, expected_version: int) -> Task:
    """Mark a task done (or no longer needed) with a note; a concurrent change raises ConflictError."""
    if status not in (TaskStatus.ERLEDIGT, TaskStatus.ENTFALLEN, TaskStatus.OFFEN):
        raise DomainError(_("Diesen Status gibt es nicht."))
    claim_version(task, expected_version)
    task.status = status
    task.status_note = note.strip()
    task.status_changed_at = timezone.now()
    task.status_changed_by = user
    task.save(update_fields=["status", "status_note", "status_changed_at", "status_changed_by", "version"])
    logger.info("task %s set to %s by user %s", task.pk, status, user.pk)
    return task


def send_task_reminders(today: date | None = None, dry_run: bool = False) -> int:
    """E-mail everyone with open tasks due within REMINDER_DAYS or overdue, once a day; return the mails."""
    today = today or timezone.localdate()
    due = list(
        Task.objects.filter(status=TaskStatus.OFFEN, due_on__lte=today + timedelta(days=REMINDER_DAYS))
        .filter(Q(reminded_on__isnull=True) | Q(reminded_on__lt=today))
        .select_related("responsible_user")
    )
    if not due:
        return 0
    institution_staff: dict[int, list] = {}
    for membership in Membership.objects.filter(
        institution_id__in={t.responsible_institution_id for t in due},
        role__in=(Role.FACHKRAFT, Role.KOORDINATION),
        user__is_active=True,
    ).select_related("user"):
        institution_staff.setdefault(membership.institution_id, []).append(membership.user)
    people: dict[int, User] = {}
    tasks_of: dict[int, list[Task]] = {}
    for task in due:
        responsible = (
            [task.responsible_user]
            if task.responsible_user_id
            else institution_staff.get(task.responsible_institution_id, [])
        )
        for person in responsible:
            people[person.pk] = person
            tasks_of.setdefault(person.pk, []).append(task)
    sent = 0
    with transaction.atomic(), translation.override("de"):
        for pk, person in people.items():
            # Only what the person may see now: a revoked consent hides the case.
            visible = set(
                Task.objects.visible_to(person).filter(pk__in=[t.pk for t in tasks_of[pk]]).values_list("pk", flat=True)
            )
            mine = [t for t in tasks_of[pk] if t.pk in visible]
            if not mine:
                continue
            message = _(
                "In Kooperation warten Aufgaben auf Sie: %(soon)d bald fällig, %(overdue)d überfällig. "
                "Ihre Aufgaben finden Sie hier:"
            ) % {
                "soon": sum(1 for t in mine if t.due_on >= today),
                "overdue": sum(1 for t in mine if t.due_on < today),
            }
            if dry_run:
                sent += 1
            else:
                sent += notify(
                    [person],
                    gettext_lazy("Erinnerung an Ihre Aufgaben"),
                    message,
                    reverse("my_tasks"),
                    case_data=True,
                    kind=NotificationKind.TASK,
                )
        if not dry_run:
            Task.objects.filter(pk__in=[t.pk for t in due]).update(reminded_on=today)
    return sent
