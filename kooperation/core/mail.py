"""Notifications: an entry in each person's bell and, unless they switched it off, a short e-mail with a link.

Neither holds case or personal content (SGB VIII § 65): a subject line, a short text and a link.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from kooperation.ops.models import Notification, NotificationKind, NotificationSettings
from kooperation.ops.outbox import queue_mails

logger = logging.getLogger(__name__)


def absolute_url(path: str) -> str:
    """The public address of a path, for links in e-mails."""
    return f"{settings.SITE_URL}{path}"


def notify(
    users,
    subject: str,
    message: str,
    path: str,
    *,
    kind: str = NotificationKind.OTHER,
    case_data: bool = False,
    attachments=None,
) -> int:
    """Put a notification in each active user's bell and mail those who want this kind; return the mail count.

    The mails are recorded in the outbox within the caller's transaction and sent by a background task
    (retried if the mail server is down). With case_data the mail says why it holds no details (the link
    leads to social data). `attachments` is a list of (filename, content, mimetype), e.g. a calendar file.
    """
    people = {u.pk: u for u in users if u.is_active}
    if not people:
        return 0
    with translation.override("de"):
        subject = str(subject)[:255]
        message = str(message)
        Notification.objects.bulk_create(
            [
                Notification(user_id=pk, kind=kind, subject=subject, message=message, path=path, case_data=case_data)
                for pk in sorted(people)
            ]
        )
        choices = NotificationSettings.objects.filter(user_id__in=people)
        muted = {s.user_id for s in choices if not s.mails(kind)}
        recipients = sorted({u.email for pk, u in people.items() if u.email and pk not in muted})
        if not recipients:
            return 0
        body = render_to_string(
            "email/notification.txt", {"message": message, "link": absolute_url(path), "case_data": case_data}
        )
    queue_mails(subject, body, recipients, attachments)
    logger.info("notification %r to %d recipients", subject, len(recipients))
    return len(recipients)
