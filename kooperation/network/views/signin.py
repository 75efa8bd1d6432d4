"""Sign-in in two steps (password, then code) and the person's own second-factor settings.

After a correct password the session is *not* signed in: it only remembers, for a few
minutes, which account passed the first step. The account is signed in (Django's `login`)
once the code is right — or, for someone who must use a second factor and has none yet,
once the authenticator app is set up and confirmed with its first code.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from kooperation.network import throttle, twofactor
from kooperation.network.forms.security import CodeForm, EnrolForm
from kooperation.network.models import User
from kooperation.network.views.auth import LocalRedirectMixin


class PasswordStepView(LocalRedirectMixin, auth_views.LoginView):
    """Step 1: e-mail and password. Accounts with (or needing) a second factor go on to step 2."""

    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if twofactor.has_second_factor(user) or twofactor.requires_second_factor(user):
            self.request.session.cycle_key()
            self.request.session[twofactor.PENDING_SESSION_KEY] = {
                "user": user.pk,
                "backend": user.backend,
                "next": self.get_success_url(),
                "since": int(time.time()),
            }
            return redirect("login_code")
        response = super().form_valid(form)
        self.request.session[twofactor.SESSION_STATE] = twofactor.PASSWORD_ONLY
        return response


def _pending(request):
    """The account that passed the password step in this session (within the time limit), else None."""
    pending = request.session.get(twofactor.PENDING_SESSION_KEY)
    if not isinstance(pending, dict):
        return None, None
    if time.time() - pending.get("since", 0) > settings.KOOPERATION_2FA_PENDING_MINUTES * 60:
        request.session.pop(twofactor.PENDING_SESSION_KEY, None)
        return None, None
    user = User.objects.filter(pk=pending.get("user"), is_active=True).first()
    return user, pending


def _finish(request, user, pending, device):
    """Both factors are done: sign the account in and mark the session verified."""
    request.session.pop(twofactor.PENDING_SESSION_KEY, None)
    login(request, user, backend=pending["backend"])
    otp_login(request, device)
    request.session[twofactor.SESSION_STATE] = twofactor.VERIFIED
    return pending.get("next") or settings.LOGIN_REDIRECT_URL


@login_not_required
@never_cache
@sensitive_post_parameters("code")
def login_code(request):
    """Step 2: the code from the app or a backup code. Wrong codes count towards the lockout."""
    user, pending = _pending(request)
    if user is None:
        messages.info(request, _("Bitte melden Sie sich zuerst mit E-Mail-Adresse und Passwort an."))
        return redirect("login")
    if not twofactor.has_second_factor(user):
        return redirect("two_factor_enrol")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        request.kooperation_login_name = user.email
        if throttle.is_locked(request, user.email):
            return throttle.lockout_response(request)
        device = twofactor.verify(user, form.cleaned_data["code"], request=request)
        if device is not None:
            return redirect(_finish(request, user, pending, device))
        throttle.code_failed(request, user.email)
        form.add_error("code", _("Der Code ist nicht richtig oder abgelaufen. Bitte geben Sie den aktuellen Code ein."))
    return render(request, "registration/login_code.html", {"form": form})


@login_not_required
@never_cache
@sensitive_post_parameters("code")
def two_factor_enrol(request):
    """Set up the authenticator app: QR code and secret, confirmed with a first code; then show backup codes.

    Reached right after the password step (someone who must use a second factor and has none)
    or from the account's security page.
    """
    pending = None
    if request.user.is_authenticated:
        user = request.user
    else:
        user, pending = _pending(request)
        if user is None:
            return redirect("login")
    if twofactor.has_second_factor(user):
        messages.info(request, _("Sie haben bereits eine Authenticator-App eingerichtet."))
        return redirect("two_factor" if pending is None else "login_code")
    device = twofactor.pending_app_device(user)
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        request.kooperation_login_name = user.email
        if throttle.is_locked(request, user.email):
            return throttle.lockout_response(request)
        codes = twofactor.confirm_enrolment(user, device, form.cleaned_data["code"], request=request)
        if codes is not None:
            next_url = None
            if pending is not None:
                next_url = _finish(request, user, pending, device)
            else:
                otp_login(request, device)
                request.session[twofactor.SESSION_STATE] = twofactor.VERIFIED
            return render(request, "registration/backup_codes.html", {"codes": codes, "next_url": next_url})
        throttle.code_failed(request, user.email)
        form.add_error(
            "code", _("Der Code passt nicht. Prüfen Sie die Uhrzeit Ihres Telefons und versuchen Sie es erneut.")
        )
    context = {
        "form": form,
        "qr_svg": twofactor.qr_svg(device, _("QR-Code zum Einrichten der Authenticator-App")),
        "secret": twofactor.secret_text(device),
        "required": twofactor.requires_second_factor(user),
        "during_login": pending is not None,
    }
    return render(request, "registration/two_factor_enrol.html", context)


@never_cache
def two_factor(request):
    """The person's own second factor: status, set up, new backup codes, remove."""
    user = request.user
    context = {
        "device": twofactor.app_device(user),
        "backup_codes_left": twofactor.remaining_backup_codes(user),
        "required": twofactor.requires_second_factor(user),
        "form": CodeForm(),
    }
    return render(request, "registration/two_factor.html", context)


@require_POST
@never_cache
def two_factor_backup_codes(request):
    """Replace the backup codes with ten new ones, shown once."""
    if not twofactor.has_second_factor(request.user):
        messages.error(request, _("Richten Sie zuerst eine Authenticator-App ein."))
        return redirect("two_factor")
    codes = twofactor.renew_backup_codes(request.user, request=request)
    return render(request, "registration/backup_codes.html", {"codes": codes, "next_url": None})


@require_POST
@sensitive_post_parameters("code")
def two_factor_remove(request):
    """Remove one's own app and backup codes, after entering a current code once more."""
    user = request.user
    form = CodeForm(request.POST)
    request.kooperation_login_name = user.email
    if throttle.is_locked(request, user.email):
        messages.error(request, throttle.lockout_message(request))
        return redirect("two_factor")
    if form.is_valid() and twofactor.verify(user, form.cleaned_data["code"], request=request) is not None:
        twofactor.remove_own(user, request=request)
        request.session[twofactor.SESSION_STATE] = twofactor.PASSWORD_ONLY
        messages.success(request, _("Die Zwei-Faktor-Anmeldung wurde entfernt."))
        return redirect("two_factor")
    if form.is_valid():
        throttle.code_failed(request, user.email)
    messages.error(request, _("Der Code ist nicht richtig. Die Zwei-Faktor-Anmeldung bleibt eingerichtet."))
    return redirect("two_factor")
