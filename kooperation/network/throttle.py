"""Throttled sign-in with django-axes: per account and per IP address, with a lockout that grows.

django-axes records every failed attempt (password step, code step — see `code_failed`)
and refuses authentication while a limit is reached. This module adapts it:

- `ThrottleHandler` counts failures per sign-in name (limit
  `KOOPERATION_LOGIN_FAILURES_PER_ACCOUNT`) and per IP address (limit
  `KOOPERATION_LOGIN_FAILURES_PER_IP`); axes itself knows only one limit, so IP failures
  are scaled onto the account limit.
- `cool_off` makes the lockout grow: the base time doubles with every earlier lockout of
  the same name in the last 24 hours (since the last unlock), up to a maximum.
- `lockout_response` shows the German message at the login form. It never says whether an
  account exists: unknown names are counted and locked exactly like real ones.
- The client address comes from `security.client_ip` (the load balancer's header when behind one).
- Password-reset mails are limited per address and per IP address and hour
  (`allow_reset_mail`); the page answers the same either way.
"""

from __future__ import annotations

import math
from datetime import timedelta

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.db.models import Sum
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from kooperation.network.models import SecurityEvent
from kooperation.network.security import Kind, request_ip
from kooperation.network.twofactor import PENDING_SESSION_KEY


def login_name(request, credentials=None) -> str | None:
    """The sign-in name as axes counts it: trimmed and lower-case, like the accounts' addresses."""
    name = None
    if credentials:
        name = credentials.get("username")
    if name is None and request is not None:
        name = getattr(request, "kooperation_login_name", None) or request.POST.get("username")
    if not name:
        return None
    return str(name).strip().lower()[:254]


def _earlier_lockouts(name: str | None) -> int:
    if not name:
        return 0
    since = timezone.now() - timedelta(hours=24)
    last_unlock = (
        SecurityEvent.objects.filter(kind=Kind.UNLOCK, login_name=name, created_at__gte=since)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return SecurityEvent.objects.filter(
        kind=Kind.LOCKOUT, login_name=name, created_at__gte=last_unlock or since
    ).count()


def cool_off_for(name: str | None) -> timedelta:
    """Base lockout time, doubled for every lockout of this name in the last day (since the last unlock)."""
    base = settings.KOOPERATION_LOCKOUT_MINUTES
    lockouts = _earlier_lockouts(name)
    minutes = base * 2 ** max(lockouts - 1, 0) if lockouts < 20 else settings.KOOPERATION_LOCKOUT_MAX_MINUTES
    return timedelta(minutes=min(minutes, settings.KOOPERATION_LOCKOUT_MAX_MINUTES))


def cool_off(request=None) -> timedelta:
    """AXES_COOLOFF_TIME: how long failures count and a lockout lasts for this request's sign-in name."""
    return cool_off_for(login_name(request) if request is not None else None)


class ThrottleHandler(AxesDatabaseHandler):
    """Axes' database handler with two limits (account, IP) and lockouts that outlast other names' cool-off."""

    def get_failures(self, request, credentials=None) -> int:
        by_name, by_ip = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        per_account = settings.KOOPERATION_LOGIN_FAILURES_PER_ACCOUNT
        # Scaled so that PER_IP failures from one address reach the (account) limit axes compares with.
        scaled_ip = by_ip * per_account // settings.KOOPERATION_LOGIN_FAILURES_PER_IP
        return max(by_name, scaled_ip)

    def clean_expired_user_attempts(self, request=None, credentials=None) -> int:
        """Forget this name's attempts once its lockout is over, and everybody's after the longest lockout.

        Axes would delete all attempts older than *this* request's cool-off, which would end another
        name's longer (grown) lockout early.
        """
        longest = timezone.now() - timedelta(minutes=settings.KOOPERATION_LOCKOUT_MAX_MINUTES)
        count, _ = AccessAttempt.objects.filter(attempt_time__lt=longest).delete()
        if request is not None:
            name = get_client_username(request, credentials)
            if name:
                threshold = timezone.now() - cool_off(request)
                own, _ = AccessAttempt.objects.filter(username=name, attempt_time__lt=threshold).delete()
                count += own
        return count


class ThrottleBackend(AxesStandaloneBackend):
    """Axes' lockout check for every sign-in through a web request.

    Calls without a request (management commands, `Client.login` in tests) have no client to
    throttle; axes would raise, this backend lets the next backend check the password.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def is_locked(request, name: str) -> bool:
    """Whether sign-in for this name (or from this address) is locked now."""
    AxesProxyHandler.update_request(request)
    return AxesProxyHandler.is_locked(request, {"username": name})


def code_failed(request, name: str) -> None:
    """A wrong second-factor code counts like a wrong password (axes and the security log listen)."""
    AxesProxyHandler.update_request(request)
    user_login_failed.send(sender=__name__, credentials={"username": name}, request=request)


def lockout_minutes(request) -> int:
    return max(1, math.ceil(cool_off(request).total_seconds() / 60))


def lockout_message(request) -> str:
    return _("Zu viele fehlgeschlagene Anmeldeversuche. Bitte versuchen Sie es in %(minutes)s Minuten erneut.") % {
        "minutes": lockout_minutes(request)
    }


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the login form again with the German lockout message (429), same for every name."""
    request.session.pop(PENDING_SESSION_KEY, None)
    if request.user.is_authenticated:
        # Wrong codes while removing the second factor: whoever holds this session must sign in again.
        logout(request)
    form = AuthenticationForm(request)
    context = {
        "form": form,
        "next": request.POST.get("next", ""),
        "lockout_message": lockout_message(request),
    }
    return render(request, "registration/login.html", context, status=429)


def unlock(name: str) -> int:
    """Remove the recorded failures for a sign-in name (Administration's unlock)."""
    count, _ = AccessAttempt.objects.filter(username=name.strip().lower()).delete()
    return count


def is_name_locked(name: str) -> bool:
    """Whether the name has reached the account limit within its cool-off (for the user admin page)."""
    name = name.strip().lower()
    attempts = list(AccessAttempt.objects.filter(username=name).values_list("attempt_time", "failures_since_start"))
    if sum(failures for _, failures in attempts) < settings.KOOPERATION_LOGIN_FAILURES_PER_ACCOUNT:
        return False  # the usual case: one query
    threshold = timezone.now() - cool_off_for(name)
    recent = sum(failures for when, failures in attempts if when >= threshold)
    return recent >= settings.KOOPERATION_LOGIN_FAILURES_PER_ACCOUNT


def allow_reset_mail(request, address: str) -> bool:
    """At most N password-reset mails per address and M per IP address within an hour."""
    since = timezone.now() - timedelta(hours=1)
    recent = SecurityEvent.objects.filter(kind=Kind.PASSWORD_RESET_MAIL, created_at__gte=since).exclude(
        detail__startswith="gedrosselt"
    )
    if recent.filter(login_name=address).count() >= settings.KOOPERATION_RESET_MAILS_PER_ADDRESS:
        return False
    ip = request_ip(request)
    return not (ip and recent.filter(ip_address=ip).count() >= settings.KOOPERATION_RESET_MAILS_PER_IP)
