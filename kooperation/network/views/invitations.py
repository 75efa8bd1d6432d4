"""Invitations: accept one (set the password, signed in at once) and send many from the account list."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import SetPasswordForm
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from kooperation.core.errors import DomainError
from kooperation.network import invitations, twofactor
from kooperation.network import permissions as perms
from kooperation.network.forms.invitations import DeclineForm
from kooperation.network.models import Invitation, Role, User

BACKEND = "django.contrib.auth.backends.ModelBackend"
REQUEST_LIST_SIZE = 50


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


# --- Requests for a person the structure needs: confirmed by the institution's Koordination or Administration ---


def _requests_visible_to(user):
    """Requests the user may decide on (own Koordination institutions; all for Administration) or asked for."""
    found = Invitation.objects.exclude(institution=None).select_related("user", "institution", "invited_by")
    if user.is_administration:
        return found
    own = perms.institution_ids(user, Role.KOORDINATION)
    return found.filter(Q(institution_id__in=own) | Q(invited_by=user))


def invitation_request_list(request):
    """Open requests to confirm, and the latest decided ones (bounded)."""
    visible = _requests_visible_to(request.user)
    open_ones = list(visible.filter(status=Invitation.Status.REQUESTED)[:REQUEST_LIST_SIZE])
    decided = list(visible.exclude(status=Invitation.Status.REQUESTED)[:REQUEST_LIST_SIZE])
    for invitation in open_ones:
        invitation.can_decide = invitations.can_confirm(request.user, invitation.institution)
    return render(request, "network/invitation_requests.html", {"open_requests": open_ones, "decided": decided})


def invitation_request(request, pk: int):
    """One request: who asked, for whom and what for; its institution's Koordination or Administration decides."""
    invitation = _requests_visible_to(request.user).filter(pk=pk).first()
    if invitation is None:
        raise Http404
    allowed = (
        perms.ALLOWED
        if invitations.can_confirm(request.user, invitation.institution)
        else perms.denied(
            _("Über die Anfrage entscheiden die Koordination von „%(name)s“ und die Administration.")
            % {"name": invitation.institution.name}
        )
    )
    decline_form = DeclineForm(request.POST if request.POST.get("action") == "decline" else None)
    if request.method == "POST":
        perms.require(allowed)
        try:
            if request.POST.get("action") == "confirm":
                invitations.confirm(request.user, invitation)
                messages.success(
                    request,
                    _("Die Einladung an %(email)s wurde verschickt.") % {"email": invitation.user.email},
                )
                return redirect("invitation_request", pk=invitation.pk)
            if decline_form.is_valid():
                invitations.decline(request.user, invitation, decline_form.cleaned_data["reason"])
                messages.success(request, _("Die Anfrage wurde abgelehnt; die anfragende Person erfährt es."))
                return redirect("invitation_request", pk=invitation.pk)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("invitation_request", pk=invitation.pk)
    return render(
        request,
        "network/invitation_request.html",
        {"invitation": invitation, "allowed": allowed, "decline_form": decline_form},
    )
