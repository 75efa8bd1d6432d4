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

from kooperation.core.errors import DomainError
from kooperation.core.mail import absolute_url, notify
from kooperation.network.models import Invitation, Membership, Role, User
from kooperation.network.scope import has_role
from kooperation.ops.models import NotificationKind
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


# --- Asking for a person the structure needs (Gremium, Leitung, Untergruppe) -------------------------------

REQUESTABLE_ROLES = (Role.MITGLIED, Role.LEITUNG, Role.FACHKRAFT)


def can_confirm(user, institution) -> bool:
    """The institution's own Koordination, or Administration, decides who gets an account for it."""
    if not (user.is_authenticated and user.is_active):
        return False
    return bool(user.is_administration or has_role(user, institution.pk, Role.KOORDINATION))


def confirmers(institution) -> list:
    """Who is asked to confirm: the institution's Koordination; without one, Administration."""
    coordinators = list(
        User.objects.filter(
            is_active=True, memberships__institution=institution, memberships__role=Role.KOORDINATION
        ).distinct()
    )
    return coordinators or list(User.objects.filter(is_active=True, is_administration=True))


def reusable_account(email: str) -> User | None:
    """An account left by a declined request (never active, no password, no role) may be asked for again."""
    account = User.objects.filter(email=email.strip().lower()).first()
    if account is None:
        return None
    if account.is_active or account.has_usable_password() or account.memberships.exists():
        raise DomainError(_("Zu dieser E-Mail-Adresse gibt es bereits ein Konto."))
    return account


def _request_path(invitation: Invitation) -> str:
    return reverse("invitation_request", args=[invitation.pk])


@transaction.atomic
def request_person(actor, institution, *, email, first_name, last_name, role, purpose) -> Invitation:
    """Ask for a person an institution does not have yet.

    The account is made without a password and inactive. Asked by the institution's own Koordination (or
    Administration) the invitation goes out at once; otherwise its Koordination (or Administration) confirms first.
    """
    if role not in REQUESTABLE_ROLES:
        raise DomainError(_("Diese Rolle kann nicht angefragt werden."))
    if sent_in_last_hour(actor) >= hourly_limit():
        raise DomainError(_("Sie haben in der letzten Stunde die Höchstzahl an Einladungen erreicht."))
    email = email.strip().lower()
    account = reusable_account(email)
    if account is None:
        account = User(email=email)
    account.first_name, account.last_name, account.is_active = first_name, last_name, False
    account.set_unusable_password()
    account.save()
    invitation = Invitation.objects.create(
        user=account,
        invited_by=actor,
        status=Invitation.Status.REQUESTED,
        institution=institution,
        role=role,
        purpose=purpose[:300],
    )
    if can_confirm(actor, institution):
        return confirm(actor, invitation)
    notify(
        confirmers(institution),
        _("Bitte bestätigen: Einladung für %(institution)s") % {"institution": institution.name},
        _(
            "%(actor)s bittet darum, %(person)s als %(role)s für %(institution)s einzuladen (%(purpose)s). "
            "Bitte bestätigen oder ablehnen."
        )
        % {
            "actor": actor.get_full_name() or actor.email,
            "person": account.get_full_name() or account.email,
            "role": invitation.get_role_display(),
            "institution": institution.name,
            "purpose": invitation.purpose,
        },
        _request_path(invitation),
        kind=NotificationKind.ROLE,
    )
    logger.info("invitation %s requested by user %s for institution %s", invitation.pk, actor.pk, institution.pk)
    return invitation


def _lock_requested(invitation: Invitation) -> Invitation:
    locked = (
        Invitation.objects.select_for_update(of=("self",)).select_related("user", "institution").get(pk=invitation.pk)
    )
    if locked.status != Invitation.Status.REQUESTED:
        raise DomainError(
            _("Über diese Anfrage wurde bereits entschieden (%(status)s).") % {"status": locked.get_status_display()}
        )
    return locked


@transaction.atomic
def confirm(actor, invitation: Invitation) -> Invitation:
    """Give the account its role in the institution and mail the invitation; tell whoever asked."""
    invitation = _lock_requested(invitation)
    account = invitation.user
    account.is_active = True
    account.save(update_fields=["is_active"])
    Membership.objects.get_or_create(user=account, institution=invitation.institution, role=invitation.role)
    invitation = send(account, actor=actor, invitation=invitation)
    requester = invitation.invited_by
    if requester is not None and requester.pk != actor.pk:
        notify(
            [requester],
            _("Einladung bestätigt"),
            _("%(person)s ist jetzt als %(role)s für %(institution)s eingeladen.")
            % {
                "person": account.get_full_name() or account.email,
                "role": invitation.get_role_display(),
                "institution": invitation.institution.name,
            },
            _request_path(invitation),
            kind=NotificationKind.ROLE,
        )
    logger.info("invitation %s confirmed by user %s", invitation.pk, actor.pk)
    return invitation


@transaction.atomic
def decline(actor, invitation: Invitation, reason: str) -> Invitation:
    """Refuse the request: no account, no mail to the person; whoever asked learns why."""
    invitation = _lock_requested(invitation)
    invitation.status = Invitation.Status.DECLINED
    invitation.save(update_fields=["status"])
    if invitation.invited_by is not None:
        notify(
            [invitation.invited_by],
            _("Einladung abgelehnt"),
            _("%(institution)s lädt %(person)s nicht ein: %(reason)s")
            % {
                "institution": invitation.institution.name,
                "person": invitation.user.get_full_name() or invitation.user.email,
                "reason": reason,
            },
            _request_path(invitation),
            kind=NotificationKind.ROLE,
        )
    logger.info("invitation %s declined by user %s", invitation.pk, actor.pk)
    return invitation
