"""Invitations: send (one or many, rate-limited), accept (set the password), and their status for Administration.

The link carries a random token; only its SHA-256 is stored, so a database copy cannot be used to sign in.
A newer invitation replaces the older ones of the same account. Links use the configured public address
(SITE_URL) through `absolute_url`.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _

from kooperation.core.mail import absolute_url
from kooperation.network.models import Invitation, User
from kooperation.ops.outbox import queue_mails

logger = logging.getLogger(__name__)


def valid_days() -> int:
    return settings.KOOPERATION_INVITATION_DAYS


def hourly_limit() -> int:
    """How many invitations one person may send per hour (protects the mail server and its reputation)."""
    return settings.KOOPERATION_INVITATIONS_PER_HOUR


RESEND_PAUSE = timedelta(minutes=10)  # a bulk send skips accounts invited this recently


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "ignore")).hexdigest()


def _link(account, token: str) -> str:
    uid = urlsafe_base64_encode(force_bytes(account.pk))
    return absolute_url(reverse("invitation_accept", kwargs={"uidb64": uid, "token": token}))


def send(account, *, actor=None, invitation: Invitation | None = None) -> Invitation:
    """Mail the account a fresh link to set its password; older open invitations of the account are replaced."""
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        open_ones = Invitation.objects.filter(user=account, status=Invitation.Status.SENT)
        if invitation is not None:
            open_ones = open_ones.exclude(pk=invitation.pk)
        open_ones.update(status=Invitation.Status.REPLACED, token_hash="")
        if invitation is None:
            invitation = Invitation(user=account, invited_by=actor)
        invitation.status = Invitation.Status.SENT
        invitation.token_hash = hash_token(token)
        invitation.sent_at = now
        invitation.expires_at = now + timedelta(days=valid_days())
        invitation.save()
        with translation.override("de"):
            body = render_to_string(
                "registration/invitation_email.txt",
                {"account": account, "link": _link(account, token), "days": valid_days(), "invitation": invitation},
            )
            queue_mails(str(_("Ihr Zugang zu Kooperation")), body, [account.email])
    logger.info("invitation %s queued for user %s", invitation.pk, account.pk)
    return invitation


@dataclass
class BulkReport:
    sent: list = field(default_factory=list)
    inactive: list = field(default_factory=list)
    has_access: list = field(default_factory=list)
    recent: list = field(default_factory=list)
    over_limit: list = field(default_factory=list)


def sent_in_last_hour(actor) -> int:
    since = timezone.now() - timedelta(hours=1)
    return Invitation.objects.filter(invited_by=actor, sent_at__gte=since).count()


def send_many(accounts, actor) -> BulkReport:
    """One invitation per account: skip deactivated ones, those who already set a password, those invited a
    few minutes ago, and all beyond the hourly limit; say which were skipped and why."""
    report = BulkReport()
    budget = hourly_limit() - sent_in_last_hour(actor)
    recent_cutoff = timezone.now() - RESEND_PAUSE
    accounts = list(accounts)
    recently = set(
        Invitation.objects.filter(user__in=accounts, sent_at__gte=recent_cutoff).values_list("user_id", flat=True)
    )
    for account in accounts:
        if not account.is_active:
            report.inactive.append(account)
        elif account.has_usable_password():
            report.has_access.append(account)
        elif account.pk in recently:
            report.recent.append(account)
        elif budget <= 0:
            report.over_limit.append(account)
        else:
            send(account, actor=actor)
            budget -= 1
            report.sent.append(account)
    return report


def find_open(uidb64: str, token: str) -> Invitation | None:
    """The open, unexpired invitation this link belongs to, or None."""
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (ValueError, TypeError, UnicodeDecodeError):
        return None
    invitation = (
        Invitation.objects.select_related("user")
        .filter(user_id=pk, user__is_active=True, status=Invitation.Status.SENT, token_hash=hash_token(token))
        .first()
    )
    if invitation is None or invitation.is_expired:
        return None
    return invitation


@transaction.atomic
def accept(invitation: Invitation, password: str) -> User:
    """Set the password and close the invitation (the link works once)."""
    account = invitation.user
    account.set_password(password)
    account.save(update_fields=["password"])
    invitation.status = Invitation.Status.ACCEPTED
    invitation.accepted_at = timezone.now()
    invitation.token_hash = ""
    invitation.save(update_fields=["status", "accepted_at", "token_hash"])
    return account


def latest_by_user(user_ids) -> dict[int, Invitation]:
    """Each account's newest invitation (one query), for the status column."""
    latest: dict[int, Invitation] = {}
    for invitation in Invitation.objects.filter(user_id__in=list(user_ids)).order_by("user_id", "-created_at", "-pk"):
        latest.setdefault(invitation.user_id, invitation)
    return latest
