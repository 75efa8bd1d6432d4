"""Administration: the security log (with CSV export), unlocking sign-in and resetting a second factor."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kooperation.network import permissions as perms
from kooperation.network import throttle, twofactor
from kooperation.network.forms.security import ResetForm, SecurityFilterForm
from kooperation.network.models import SecurityEvent
from kooperation.network.security import Kind, record


def _filtered(request):
    form = SecurityFilterForm(request.GET or None)
    events = form.filter_queryset(SecurityEvent.objects.select_related("user", "actor"))
    return form, events


def security_log(request):
    """The security log, filterable by kind, person and period, 50 per page."""
    perms.require(perms.can_view_security_log(request.user))
    form, events = _filtered(request)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "network/security_log.html",
        {"filter_form": form, "page_obj": page, "query": query.urlencode()},
    )


def _cell(value) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def security_log_export(request):
    """The filtered security log as CSV (semicolon-separated, for German spreadsheets); the export is logged."""
    perms.require(perms.can_view_security_log(request.user))
    _form, events = _filtered(request)
    rows = list(events)
    record(
        Kind.EXPORT,
        actor=request.user,
        request=request,
        detail=_("Sicherheitsprotokoll als CSV, %(count)s Einträge, Filter: %(filter)s")
        % {"count": len(rows), "filter": request.GET.urlencode() or "-"},
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="sicherheitsprotokoll-{stamp}.csv"'
    response.write("\ufeff")  # so spreadsheet programs read UTF-8
    writer = csv.writer(response, delimiter=";")
    writer.writerow(
        [
            _("Zeitpunkt"),
            _("Ereignis"),
            _("Konto"),
            _("ausgelöst von"),
            _("Anmeldename"),
            _("IP-Adresse"),
            _("Einzelheiten"),
        ]
    )
    for event in rows:
        writer.writerow(
            [
                _cell(timezone.localtime(event.created_at).strftime("%d.%m.%Y %H:%M:%S")),
                _cell(event.get_kind_display()),
                _cell(event.user.email if event.user else ""),
                _cell(event.actor.email if event.actor else ""),
                _cell(event.login_name),
                _cell(event.ip_address),
                _cell(event.detail),
            ]
        )
    return response


@require_POST
def user_unlock(request, pk: int):
    """Lift a sign-in lockout for this account (its recorded failures are forgotten)."""
    account = perms.get_managed_user(request.user, pk)
    removed = throttle.unlock(account.email)
    record(
        Kind.UNLOCK,
        user=account,
        request=request,
        login_name=account.email,
        detail=_("%(count)s gespeicherte Fehlversuche gelöscht") % {"count": removed},
    )
    messages.success(request, _("Die Anmeldesperre für %(name)s wurde aufgehoben.") % {"name": account})
    return redirect("user_edit", pk=account.pk)


@require_POST
def user_reset_second_factor(request, pk: int):
    """Remove another person's second factor (lost phone), with a reason for the security log."""
    account = perms.get_managed_user(request.user, pk)
    perms.require(perms.can_reset_second_factor(request.user, account))
    form = ResetForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            _("Bitte geben Sie eine Begründung an (mindestens 10 Zeichen); die Zwei-Faktor-Anmeldung bleibt."),
        )
        return redirect("user_edit", pk=account.pk)
    twofactor.reset_for(account, request.user, form.cleaned_data["reason"], request=request)
    messages.success(
        request,
        _(
            "Die Zwei-Faktor-Anmeldung von %(name)s wurde zurückgesetzt. "
            "Bei der nächsten Anmeldung richtet die Person sie neu ein."
        )
        % {"name": account},
    )
    return redirect("user_edit", pk=account.pk)
