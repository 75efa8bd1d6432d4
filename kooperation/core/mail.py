"""E-mail notifications: a subject line and a link, never case or personal content (SGB VIII § 65)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from kooperation.ops.outbox import queue_mails

logger = logging.getLogger(__name__)


def absolute_url(path: str) -> str:
    """The public address of a path, for links in e-mails."""
    return f"{settings.SITE_URL}{path}"


def notify(users, subject: str, message: str, path: str, *, case_data: bool = False, attachments=None) -> int:
    """Send each active user a short German e-mail with a link after the transaction commits; return the count.

    The mails are recorded in the outbox within the caller's transaction and sent by a background task
    (retried if the mail server is down). With case_data the mail says why it holds no details (the link
    leads to social data). `attachments` is a list of (filename, content, mimetype), e.g. a calendar file.
    """
    recipients = sorted({u.email for u in users if u.is_active and u.email})
    if not recipients:
        return 0
    with translation.override("de"):
        subject = str(subject)
        body = render_to_string(
            "email/notification.txt", {"message": message, "link": absolute_url(path), "case_data": case_data}
        )
    queue_mails(subject, body, recipients, attachments)
    logger.info("notification %r to %d recipients", subject, len(recipients))
    return len(recipients)
