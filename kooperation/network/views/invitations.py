"""Invitations: accept one (set the password, signed in at once) and send many from the account list."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import SetPasswordForm
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from kooperation.network import invitations, twofactor
from kooperation.network import permissions as perms
from kooperation.network.models import User

BACKEND = "django.contrib.auth.backends.ModelBackend"


def _sign_in(request, account) -> str:
    """Sign the person in after setting the password; accounts needing a second factor go through its step first."""
    if twofactor.has_second_factor(account) or twofactor.requires_second_factor(account):
        request.session.cycle_key()
        request.session[twofactor.PENDING_SESSION_KEY] = {
            "user": account.pk,
            "backend": BACKEND,
            "next": settings.LOGIN_REDIRECT_URL,
            "since": int(time.time()),
        }
        messages.info(
            request,
            _("Ihr Passwort ist gespeichert. Ihre Rolle verlangt eine Zwei-Faktor-Anmeldung – bitte jetzt einrichten."),
        )
        return "login_code" if twofactor.has_second_factor(account) else "two_factor_enrol"
    login(request, account, backend=BACKEND)
    request.session[twofactor.SESSION_STATE] = twofactor.PASSWORD_ONLY
    messages.success(request, _("Willkommen! Ihr Passwort ist gespeichert und Sie sind angemeldet."))
    return settings.LOGIN_REDIRECT_URL


@login_not_required
@never_cache
@sensitive_post_parameters("new_password1", "new_password2")
def invitation_accept(request, uidb64: str, token: str):
    """Set the password from an invitation link; the person is signed in right away."""
    invitation = invitations.find_open(uidb64, token)
    if invitation is None:
        return render(request, "registration/invitation_accept.html", {"validlink": False})
    form = SetPasswordForm(invitation.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        account = invitations.accept(invitation, form.cleaned_data["new_password1"])
        return redirect(_sign_in(request, account))
    context = {"validlink": True, "form": form, "account": invitation.user}
    return render(request, "registration/invitation_accept.html", context)


def _names(accounts) -> str:
    return ", ".join(account.email for account in accounts)


@require_POST
def user_invite_bulk(request):
    """Send one invitation to each selected account and report what was sent and what was skipped."""
    perms.require(perms.can_manage_users(request.user))
    ids = [value for value in request.POST.getlist("accounts") if value.isdigit()]
    accounts = User.objects.filter(pk__in=ids).order_by("email")
    if not ids:
        messages.error(request, _("Bitte wählen Sie mindestens ein Konto aus."))
        return redirect("user_list")
    report = invitations.send_many(accounts, request.user)
    if report.sent:
        count = len(report.sent)
        messages.success(
            request,
            ngettext("%(count)s Einladung wurde verschickt.", "%(count)s Einladungen wurden verschickt.", count)
            % {"count": count},
        )
    skipped = [
        (report.inactive, _("deaktiviert")),
        (report.has_access, _("hat bereits ein Passwort")),
        (report.recent, _("vor weniger als 10 Minuten eingeladen")),
        (report.over_limit, _("Höchstzahl pro Stunde erreicht, bitte später erneut senden")),
    ]
    for accounts_skipped, reason in skipped:
        if accounts_skipped:
            messages.warning(
                request,
                _("Nicht eingeladen (%(reason)s): %(names)s") % {"reason": reason, "names": _names(accounts_skipped)},
            )
    return redirect(request.POST.get("next") if _is_list_url(request.POST.get("next", "")) else "user_list")


def _is_list_url(value: str) -> bool:
    return value.startswith("/verwaltung/benutzer/?") or value == "/verwaltung/benutzer/"
