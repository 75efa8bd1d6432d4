"""Reminders where people wait: at most once a week per person and item, never to those who switched them off."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from kooperation.core.mail import notify
from kooperation.ops.models import NotificationSettings, ReminderLog

INTERVAL = timedelta(days=7)


def without_reminders(user_ids) -> set[int]:
    """Of these people, those who switched reminders off in their account settings."""
    return set(
        NotificationSettings.objects.filter(user_id__in=user_ids, reminders=False).values_list("user_id", flat=True)
    )


def remind(
    people, key: str, subject, message, path: str, *, kind: str, case_data: bool = False, dry_run: bool = False
) -> int:
    """Remind each person about one waiting item (key, e.g. "approval:12") unless reminded within a week.

    Returns how many people were (or, with dry_run, would be) reminded. The subject and message must
    name no case content: a reminder carries a link and nothing else about the case.
    """
    people = {p.pk: p for p in people if p.is_active}
    if not people:
        return 0
    now = timezone.now()
    recent = set(
        ReminderLog.objects.filter(user_id__in=people, key=key, sent_at__gt=now - INTERVAL).values_list(
            "user_id", flat=True
        )
    )
    due = [person for pk, person in sorted(people.items()) if pk not in recent]
    off = without_reminders([p.pk for p in due])
    due = [person for person in due if person.pk not in off]
    if not due or dry_run:
        return len(due)
    with transaction.atomic():
        notify(due, subject, message, path, kind=kind, case_data=case_data)
        ReminderLog.objects.filter(user_id__in=[p.pk for p in due], key=key).delete()
        ReminderLog.objects.bulk_create([ReminderLog(user_id=p.pk, key=key, sent_at=now) for p in due])
    return len(due)
