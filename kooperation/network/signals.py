"""Signal receivers that write the security log for sign-ins, failures and lockouts (connected in apps.ready)."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from kooperation.network.models import User
from kooperation.network.security import Kind, record
from kooperation.network.throttle import login_name


def logged_in(sender, request, user, **kwargs) -> None:
    record(Kind.LOGIN, user=user, actor=user, request=request)


def login_failed(sender, credentials, request=None, **kwargs) -> None:
    name = login_name(request, credentials)
    user = User.objects.filter(email=name).first() if name else None
    if request is not None and getattr(request, "axes_locked_out", False):
        detail = _("abgewiesen: Anmeldung gesperrt")
    elif sender == "kooperation.network.throttle":
        detail = _("falscher Code im zweiten Schritt")
    elif user is None:
        detail = _("unbekannter Anmeldename")
    else:
        detail = _("falsches Passwort")
    # The typed name is not stored for failures: people sometimes type their password into it.
    record(Kind.LOGIN_FAILED, user=user, request=request, detail=detail)


def locked_out(sender, request, username, ip_address, **kwargs) -> None:
    """Record a lockout once, when the limit is reached (attempts refused during it send this again)."""
    failures = getattr(request, "axes_failures_since_start", None)
    if failures is None or failures != settings.AXES_FAILURE_LIMIT:
        return
    name = str(username or "")
    user = User.objects.filter(email=name).first() if name else None
    record(Kind.LOCKOUT, user=user, request=request, login_name=name, detail=_("zu viele Fehlversuche"))
