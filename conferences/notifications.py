"""E-mails of the conferences app: a subject and a link, never case content (SGB VIII § 65)."""

from __future__ import annotations

import logging

from django.core.mail import send_mass_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from agreements.services.network import absolute_url

logger = logging.getLogger(__name__)


def send_links(users, subject: str, message: str, path: str) -> int:
    """Send each active user a short German mail with a link, after the transaction commits."""
    recipients = sorted({u.email for u in users if u.is_active and u.email})
    if not recipients:
        return 0
    with translation.override("de"):
        body = render_to_string("conferences/email/notification.txt", {"message": message, "link": absolute_url(path)})
        subject = str(subject)
    mails = [(subject, body, None, [address]) for address in recipients]
    transaction.on_commit(lambda: send_mass_mail(mails, fail_silently=False))
    logger.info("mail %r to %d recipients", subject, len(recipients))
    return len(recipients)
