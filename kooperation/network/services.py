"""State-changing operations on the network and accounts."""

from __future__ import annotations

import logging

from django.contrib.auth.tokens import default_token_generator
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from kooperation.core.mail import absolute_url
from kooperation.ops.outbox import queue_mails

logger = logging.getLogger(__name__)


def send_invitation(account) -> None:
    """E-mail the account a link to set its password (the same token as a password reset)."""
    uid = urlsafe_base64_encode(force_bytes(account.pk))
    token = default_token_generator.make_token(account)
    link = absolute_url(reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token}))
    body = render_to_string("registration/invitation_email.txt", {"account": account, "link": link})
    queue_mails(_("Ihr Zugang zu Kooperation"), body, [account.email])
    logger.info("invitation queued for user %s", account.pk)


def set_institution_active(institution, active: bool) -> None:
    """Deactivate or reactivate an institution; institutions are never deleted."""
    institution.is_active = active
    institution.save(update_fields=["is_active", "updated_at"])


def set_user_active(account, active: bool) -> None:
    """Deactivate (sign-in refused, sessions end) or reactivate an account."""
    account.is_active = active
    account.save(update_fields=["is_active"])
