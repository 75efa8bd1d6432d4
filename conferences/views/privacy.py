"""Data protection of a case: team (need-to-know), Abschluss, Löschsperre, Auskunft and access-log exports.

Every page loads the case through `get_case_for(…, read=…)`, so each visit is in the access log;
the reports (Auskunft, CSV exports) are logged too and are never cached.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from conferences import access
from conferences import permissions as perms
from conferences.audit import export_entry
from conferences.documents import CaseDisclosure
from conferences.forms.privacy import AccessLogPeriodForm, CloseCaseForm, LegalHoldForm, TeamAddForm
from conferences.queries.access_log import case_log, institution_log, log_csv, log_lines
from conferences.queries.disclosure import delete_after, disclosure_of
from conferences.services.cases import (
    add_team_member,
    close_case,
    lift_legal_hold,
    remove_team_member,
    set_legal_hold,
    team_candidates,
)
from kooperation.core.concurrency import ConflictError
from kooperation.core.documents import pdf_response
from kooperation.core.errors import DomainError
from kooperation.network import security


def case_team(request, pk: int):
    """Who works on the case (named staff per institution); the owning institution's Koordination manages it."""
    case = access.get_case_for(request.user, pk, read="Fallteam", check=perms.can_manage_case)
    form = TeamAddForm(request.POST or None, candidates=team_candidates(case))
    if request.method == "POST" and form.is_valid():
        try:
            member = add_team_member(request.user, case, form.cleaned_data["person"])
        except DomainError as error:
            form.add_error("person", error.message)
        else:
            messages.success(request, _("%(name)s gehört jetzt zum Fallteam.") % {"name": member.user})
            return redirect("case_team", pk=case.pk)
    return render(request, "conferences/case_team.html", {"case": case, "team": case.team_members.all(), "form": form})


@require_POST
def case_team_remove(request, pk: int, member_pk: int):
    case = access.get_case_for(request.user, pk, read=None, check=perms.can_manage_case)
    try:
        remove_team_member(request.user, case, member_pk)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Die Person gehört nicht mehr zum Fallteam."))
    return redirect("case_team", pk=case.pk)


def case_close(request, pk: int):
    """Abschluss with the reason; the confirmation page says what follows (read-only, deletion period)."""
    case = access.get_case_for(request.user, pk, read="Fall abschließen", check=perms.can_close_case)
    form = CloseCaseForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        try:
            close_case(request.user, case, form.cleaned_data["reason"], form.cleaned_data["version"])
        except ConflictError:
            form.add_error(
                None,
                _(
                    "Der Fall wurde inzwischen von jemand anderem geändert. Bitte prüfen Sie ihn und schließen Sie "
                    "erneut ab."
                ),
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _(
                    "Der Fall ist abgeschlossen. Seine Daten werden nach dem %(date)s gelöscht, sofern keine "
                    "Löschsperre besteht."
                )
                % {"date": formats.date_format(delete_after(case), "d.m.Y")},
            )
            return redirect(case)
    return render(
        request,
        "conferences/case_close.html",
        {"case": case, "form": form, "retention_years": settings.RETENTION_CASE_YEARS},
    )


def case_legal_hold(request, pk: int):
    """Löschsperre: suspend the deletion of the case with a reason, or see (and lift) the current one."""
    case = access.get_case_for(request.user, pk, read="Löschsperre", check=perms.can_manage_case)
    form = LegalHoldForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            set_legal_hold(request.user, case, form.cleaned_data["reason"])
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("Die Löschsperre ist gesetzt; der Fall wird nicht gelöscht, bis sie aufgehoben ist.")
            )
            return redirect(case)
    return render(request, "conferences/case_legal_hold.html", {"case": case, "form": form})


@require_POST
def case_legal_hold_lift(request, pk: int):
    case = access.get_case_for(request.user, pk, read=None, check=perms.can_manage_case)
    try:
        lift_legal_hold(request.user, case)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Die Löschsperre ist aufgehoben; es gilt wieder die Löschfrist."))
    return redirect(case)


@never_cache
def case_disclosure(request, pk: int):
    """Auskunft (Art. 15 DSGVO): what is stored, who read or changed it when, which consents covered it."""
    case = access.get_case_for(request.user, pk, read="Auskunft (Art. 15 DSGVO)", check=perms.can_manage_case)
    return render(request, "conferences/case_disclosure.html", {"case": case, "disclosure": disclosure_of(case)})


@never_cache
def case_disclosure_pdf(request, pk: int):
    case = access.get_case_for(request.user, pk, read="Auskunft (Art. 15 DSGVO) als PDF", check=perms.can_manage_case)
    security.record(security.Kind.EXPORT, request=request, detail=f"Auskunft (PDF) zu Fall {case.code}")
    return pdf_response(CaseDisclosure(disclosure_of(case)))


@never_cache
def case_access_log_csv(request, pk: int):
    """The access log of the case as CSV for the Datenschutzbeauftragte (no content, only fields)."""
    case = access.get_case_for(request.user, pk, read="Zugriffsprotokoll (CSV-Export)", check=perms.can_view_access_log)
    lines = log_lines(case_log(case).order_by("timestamp", "pk"), codes={case.pk: case.code})
    security.record(security.Kind.EXPORT, request=request, detail=f"Zugriffsprotokoll (CSV) zu Fall {case.code}")
    return _csv(log_csv(lines), f"Zugriffsprotokoll-{case.code}.csv")


@never_cache
def institution_access_log(request, pk: int):
    """The access log of an institution for a period as CSV: its staff's reads and all on the cases it owns."""
    institution = perms.get_log_institution_for(request.user, pk)
    form = AccessLogPeriodForm(request.GET if "start" in request.GET else None)
    if form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        codes = dict(institution.owned_cases.values_list("pk", "code"))
        lines = log_lines(institution_log(institution, start, end), codes=codes)
        period = f"{start:%d.%m.%Y}–{end:%d.%m.%Y}"
        export_entry(request.user, institution, f"Zugriffsprotokoll der Institution (CSV-Export) {period}")
        security.record(
            security.Kind.EXPORT, request=request, detail=f"Zugriffsprotokoll (CSV) {institution.name}, {period}"
        )
        return _csv(log_csv(lines), f"Zugriffsprotokoll-{institution.short_name or institution.pk}-{start}-{end}.csv")
    return render(request, "conferences/institution_access_log.html", {"institution": institution, "form": form})


def _csv(content: str, filename: str) -> HttpResponse:
    # A byte-order mark so spreadsheet programs read the umlauts as UTF-8.
    response = HttpResponse("\ufeff" + content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
