"""A person's notifications and notification settings: reading, marking read, choosing what comes by mail."""

from __future__ import annotations

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone

from kooperation.ops.models import ALWAYS_MAILED, Notification, NotificationKind, NotificationSettings

UNREAD_CAP = 99  # the bell shows "99+" beyond this; counting stops there


def mailable_kinds() -> list[tuple[str, str]]:
    """The kinds whose e-mail a person may switch off."""
    return [(value, label) for value, label in NotificationKind.choices if value not in ALWAYS_MAILED]


def unread_count(user) -> int:
    """How many unread notifications the person has (at most UNREAD_CAP + 1, so the count stays cheap)."""
    ids = Notification.objects.filter(user=user, read_at__isnull=True).values("pk")[: UNREAD_CAP + 1]
    return Notification.objects.filter(pk__in=ids).count()


def notifications_of(user):
    """The person's own notifications, newest first."""
    return Notification.objects.filter(user=user).defer("message")


def get_notification_for(user, pk: int) -> Notification:
    """One of the person's own notifications; 404 for anyone else's."""
    return get_object_or_404(Notification, pk=pk, user=user)


def mark_read(notification: Notification) -> None:
    """Mark one notification read (once; a second mark keeps the first time)."""
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])


def mark_all_read(user) -> int:
    """Mark all of the person's notifications read; return how many were unread."""
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


def settings_of(user) -> NotificationSettings:
    """The person's settings (defaults, unsaved, if they never chose)."""
    try:
        return NotificationSettings.objects.get(user=user)
    except NotificationSettings.DoesNotExist:
        return NotificationSettings(user=user)


@transaction.atomic
def save_settings(user, *, mailed_kinds, reminders: bool) -> NotificationSettings:
    """Store which kinds come by e-mail (the rest only in the bell) and whether reminders are sent."""
    muted = sorted(value for value, _label in mailable_kinds() if value not in set(mailed_kinds))
    choice, _created = NotificationSettings.objects.update_or_create(
        user=user, defaults={"muted_kinds": muted, "reminders": reminders}
    )
    return choice
