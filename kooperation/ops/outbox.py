"""The outbox: mails are recorded in the transaction that causes them and sent by a background task.

A send that fails (SMTP server down, connection refused …) is retried with back-off when the task
backend can defer tasks (the database backend in production); otherwise, or after the last attempt,
the mail stays *fehlgeschlagen* with its error on *Verwaltung → E-Mail-Versand*, where it can be
sent again. The event is never lost: the row exists before the first attempt.
"""

from __future__ import annotations

import base64
import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from kooperation.ops.models import MailStatus, OutgoingMail

logger = logging.getLogger(__name__)


def stored_attachments(attachments) -> list[dict]:
    """(filename, content, mimetype) triples as JSON rows; text is encoded as UTF-8, bytes kept as they are."""
    rows = []
    for filename, content, mimetype in attachments or ():
        data = content.encode("utf-8") if isinstance(content, str) else bytes(content)
        rows.append({"filename": filename, "mimetype": mimetype, "content": base64.b64encode(data).decode("ascii")})
    return rows


def queue_mails(subject: str, body: str, recipients, attachments=None) -> list[OutgoingMail]:
    """Record one mail per recipient now; hand them to the task backend once the transaction commits."""
    files = stored_attachments(attachments)
    mails = OutgoingMail.objects.bulk_create(
        [OutgoingMail(recipient=address, subject=subject[:255], body=body, attachments=files) for address in recipients]
    )
    ids = [mail.pk for mail in mails]
    transaction.on_commit(lambda: _enqueue(ids))
    return mails


def _enqueue(ids, run_after=None) -> None:
    runner = deliver_mail if run_after is None else deliver_mail.using(run_after=run_after)
    for pk in ids:
        runner.enqueue(pk)


def retry_delay(attempt: int) -> timedelta:
    """Back-off after the n-th failed attempt: base, 4 × base, 16 × base … (at most a day)."""
    return timedelta(seconds=min(settings.MAIL_RETRY_SECONDS * 4 ** (attempt - 1), 86400))


def resend(mail: OutgoingMail) -> None:
    """Administration sends a failed (or any unsent) mail again: a fresh series of attempts."""
    mail.status = MailStatus.WAITING
    mail.attempts = 0
    mail.next_attempt_at = None
    mail.save(update_fields=["status", "attempts", "next_attempt_at"])
    transaction.on_commit(lambda: _enqueue([mail.pk]))


def deliver(mail_id: int) -> str:
    """Try to send one recorded mail; on failure record the error and schedule the next attempt."""
    with transaction.atomic():
        mail = OutgoingMail.objects.select_for_update().filter(pk=mail_id).first()
        if mail is None or mail.status == MailStatus.SENT:
            return "skipped"
        mail.attempts += 1
        try:
            message = EmailMessage(mail.subject, mail.body, None, [mail.recipient])
            for item in mail.attachments:
                message.attach(item["filename"], base64.b64decode(item["content"]), item["mimetype"])
            message.send(fail_silently=False)
        except Exception as error:  # any failure of the mail backend must stay visible, never vanish
            mail.last_error = f"{type(error).__name__}: {error}"[:2000]
            can_defer = deliver_mail.get_backend().supports_defer
            if can_defer and mail.attempts < settings.MAIL_MAX_ATTEMPTS:
                mail.status = MailStatus.RETRY
                mail.next_attempt_at = timezone.now() + retry_delay(mail.attempts)
                run_after = mail.next_attempt_at
                transaction.on_commit(lambda: _enqueue([mail.pk], run_after=run_after))
            else:
                mail.status = MailStatus.FAILED
                mail.next_attempt_at = None
            mail.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            logger.warning(
                "mail %s to %s: attempt %d failed (%s), now %s",
                mail.pk,
                mail.recipient,
                mail.attempts,
                error,
                mail.status,
            )
            return mail.status
        mail.status = MailStatus.SENT
        mail.sent_at = timezone.now()
        mail.next_attempt_at = None
        mail.save(update_fields=["attempts", "status", "sent_at", "next_attempt_at"])
        logger.info("mail %s sent to %s (attempt %d)", mail.pk, mail.recipient, mail.attempts)
        return mail.status


@task()
def deliver_mail(mail_id: int) -> str:
    """Background task: send one mail from the outbox."""
    return deliver(mail_id)
