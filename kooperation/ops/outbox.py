"""The outbox: mails are recorded in the transaction that causes them and sent by a background task.

A send that fails (SMTP server down, connection refused …) is retried with back-off when the task
backend can defer tasks (the database backend in production); otherwise, or after the last attempt,
the mail stays *fehlgeschlagen* with its error on *Verwaltung → E-Mail-Versand*, where it can be
sent again. The event is never lost: the row exists before the first attempt.
"""

from __future__ import annotations

import base64
import logging
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
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


# Inside sent_in_bulk(): the ids of the mails recorded meanwhile, sent together when the block ends.
_held: ContextVar[list[int] | None] = ContextVar("held_mails", default=None)


def queue_mails(subject: str, body: str, recipients, attachments=None) -> list[OutgoingMail]:
    """Record one mail per recipient now; hand them to the task backend once the transaction commits."""
    files = stored_attachments(attachments)
    mails = OutgoingMail.objects.bulk_create(
        [OutgoingMail(recipient=address, subject=subject[:255], body=body, attachments=files) for address in recipients]
    )
    ids = [mail.pk for mail in mails]
    held = _held.get()
    if held is not None:
        held.extend(ids)
    else:
        transaction.on_commit(lambda: _enqueue(ids))
    return mails


@contextmanager
def sent_in_bulk():
    """Mails recorded inside the block are sent together when it ends (seeding thousands of demo mails).

    One mail connection and one transaction for all of them instead of a task, a transaction and a
    commit per mail. If the bulk send fails, every mail still waiting goes the usual way (one task
    each, with retries), so none is lost.
    """
    held: list[int] = []
    token = _held.set(held)
    try:
        yield
    finally:
        _held.reset(token)
    if held:
        send_held(held)


def send_held(ids: list[int]) -> None:
    waiting = list(OutgoingMail.objects.filter(pk__in=ids, status=MailStatus.WAITING).order_by("pk"))
    try:
        with transaction.atomic():
            messages = []
            for mail in waiting:
                message = EmailMessage(mail.subject, mail.body, None, [mail.recipient])
                for item in mail.attachments:
                    message.attach(item["filename"], base64.b64decode(item["content"]), item["mimetype"])
                messages.append(message)
            get_connection(fail_silently=False).send_messages(messages)
            OutgoingMail.objects.filter(pk__in=[mail.pk for mail in waiting]).update(
                status=MailStatus.SENT, sent_at=timezone.now(), attempts=1, next_attempt_at=None
            )
    except Exception as error:  # the bulk path must never lose a mail: fall back to one task per mail
        logger.warning("bulk send of %d mails failed (%s); sending them one by one", len(waiting), error)
        _enqueue([mail.pk for mail in waiting])
        return
    logger.info("%d mails sent in bulk", len(waiting))


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
