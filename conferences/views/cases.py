"""Cases (Fälle): list, open, overview with the development of the Basiskriterien, institutions, consents, log."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

from auditlog.models import LogEntry
from django.contrib import messages
from django.db import router
from django.db.models import Count, Max, Min, Q
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from conferences import access
from conferences import permissions as perms
from conferences.forms.cases import (
    CaseCreateForm,
    CaseFilterForm,
    CaseForm,
    CaseInstitutionsForm,
    ConsentForm,
    RevokeConsentForm,
)
from conferences.models import Case, Conference, CriterionCheck, Rating, Task, TaskStatus
from conferences.models.task import visibility_key
from conferences.queries.access_log import case_log, case_log_total, log_lines
from conferences.queries.disclosure import delete_after
from conferences.services.cases import create_case, record_consent, revoke_consent, set_case_institutions
from kooperation.core.compiled import CompiledQuery, store_prefetched
from kooperation.core.concurrency import ConflictError
from kooperation.core.errors import DomainError
from kooperation.core.forms import rebind_after_conflict, save_with_conflict_check
from kooperation.core.paging import get_page_keyed
from kooperation.core.uploads import kind_of_name, stored_file_response
from kooperation.network.models import Role
from kooperation.network.permissions import memberships

PAGE_SIZE = 20
TREND_COLUMNS = 8


def case_list(request):
    """The cases of the user's institutions, filterable and paginated."""
    form = CaseFilterForm(request.GET or None, user=request.user)

    def cases():
        today = timezone.localdate()
        return (
            form.filter_queryset(Case.objects.visible_to(request.user))
            .select_related("agreement", "owner_institution")
            .annotate(
                open_tasks=Count("tasks", filter=Q(tasks__status=TaskStatus.OFFEN), distinct=True),
                last_conference=Max("conferences__date", filter=Q(conferences__finalised_at__isnull=False)),
                next_conference=Min(
                    "conferences__date", filter=Q(conferences__finalised_at__isnull=True, conferences__date__gte=today)
                ),
            )
            .order_by("-created_at", "-pk")
        )

    # Compiled once per key: visibility_key names what Case.visible_to reads (user, institutions, the
    # Koordination's, the day, which the next conference is counted from), filter_key the filter's values.
    key = ("case_list", *visibility_key(request.user), form.filter_key())
    page = get_page_keyed(key, cases, PAGE_SIZE, request.GET.get("page"), router.db_for_read(Case))
    # The participations and the consents with their institutions, as prefetch_related would fetch them.
    access.prefetch_case_access(page.object_list, people=False, team=False)
    for case in page:
        case.blocked = perms.consent_block_reason(case)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "conferences/case_list.html",
        {
            "filter_form": form,
            "page_obj": page,
            "query": query.urlencode(),
            "can_create": perms.can_create_case(request.user),
            "export_institutions": [
                m.institution
                for m in memberships(request.user)
                if m.role == Role.KOORDINATION and m.institution.is_active
            ],
        },
    )


def case_create(request):
    """A Fachkraft or Koordination opens a case under an agreement; the code is generated."""
    perms.require(perms.can_create_case(request.user))
    form = CaseCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            case = create_case(
                request.user,
                agreement=form.cleaned_data["agreement"],
                owner_institution=form.cleaned_data["owner_institution"],
                note=form.cleaned_data["note"],
                team=list(form.cleaned_data["team"]),
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Der Fall %(code)s wurde angelegt. Erfassen Sie als Nächstes die Einwilligung der Familie.")
                % {"code": case.code},
            )
            return redirect(case)
    return render(request, "conferences/case_create.html", {"form": form})


@dataclass
class TrendRow:
    text: str
    cells: list  # the check of each column, or None
    badges: list  # its cell markup, as snippets/rating_badge.html would render it


def criteria_trend(conferences) -> tuple[list, list[TrendRow]]:
    """The Basiskriterien (rows) across the latest documented conferences (columns)."""
    documented = [c for c in conferences if any(check.rating for check in c.checks.all())][-TREND_COLUMNS:]
    texts: list[str] = []
    for conference in documented:
        for check in conference.checks.all():
            if check.text not in texts:
                texts.append(check.text)
    badges = rating_badges()
    by_text = []
    for conference in documented:
        first: dict = {}
        for check in conference.checks.all():
            first.setdefault(check.text, check)  # the first check of a text counts
        by_text.append(first)
    rows = []
    for text in texts:
        cells = [checks.get(text) for checks in by_text]
        rows.append(TrendRow(text, cells, [NO_CHECK if c is None else badges[c.rating] for c in cells]))
    return documented, rows


NO_CHECK = mark_safe('<span class="text-body-secondary">–</span>')


# The cells of the ratings per language: the same markup for every case (a few hundred bytes per language).
_BADGES: dict = {}


def rating_badges() -> dict:
    """The cell of each rating in the trend table, from snippets/rating_badge.html once per rating and language
    (not per cell, nor per request)."""
    language = get_language()
    badges = _BADGES.get(language)
    if badges is None:
        template = "conferences/snippets/rating_badge.html"
        ratings = [(value, label) for value, label in Rating.choices] + [("", "")]
        badges = {
            value: render_to_string(template, {"check": SimpleNamespace(rating=value, get_rating_display=label)})
            for value, label in ratings
        }
        badges[None] = badges[""]
        _BADGES[language] = badges
    return badges


# The queries of the case overview, compiled once per connection (kooperation/core/compiled.py).
_CONFERENCES = CompiledQuery(
    lambda case_id: (
        Conference.objects.select_related("moderator").filter(case_id=case_id).order_by("date", "start_time", "pk")
    ),
    lambda connection, case_id: [case_id],
)
_CHECKS = access.compiled_in(lambda: CriterionCheck.objects.order_by("position", "pk"), "conference_id")
_OPEN_TASKS = CompiledQuery(
    lambda case_id, status: (
        Task.objects.filter(case_id=case_id, status=status)
        .select_related("responsible_institution", "responsible_user", "conference")
        .order_by("due_on", "pk")
    ),
    lambda connection, case_id, status: [case_id, status],
)


def case_conferences(case) -> list:
    """`case.conferences.select_related("moderator").prefetch_related(Prefetch("checks", queryset=
    CriterionCheck.objects.order_by("position", "pk"))).order_by("date", "start_time", "pk")`: the same
    instances, related as the ORM relates them, from SQL compiled once."""
    alias = case._state.db
    conferences = _CONFERENCES.fetch(alias, case.pk)
    for conference in conferences:
        conference.case = case
    if conferences:
        by_conference: dict = {conference.pk: [] for conference in conferences}
        ids = list(by_conference)
        for check in _CHECKS(len(ids)).fetch(alias, *ids):
            by_conference[check.conference_id].append(check)
        queryset = CriterionCheck.objects.order_by("position", "pk")
        for conference in conferences:
            checks = by_conference[conference.pk]
            for check in checks:
                check.conference = conference
            store_prefetched(conference, "checks", queryset, checks)
    return conferences


def case_open_tasks(case) -> list:
    """`case.tasks.filter(status=OFFEN).select_related(...).order_by("due_on", "pk")`, from SQL compiled once."""
    tasks = _OPEN_TASKS.fetch(case._state.db, case.pk, TaskStatus.OFFEN.value)
    for task in tasks:
        task.case = case
    return tasks


def case_detail(request, pk: int):
    """The case overview: institutions and consents, conferences over time, criteria, open tasks."""
    case = access.get_case_for(request.user, pk, read="Fallübersicht")
    conferences = case_conferences(case)
    columns, trend = criteria_trend(conferences)
    release = perms.case_release(request.user, case)
    # Only fetched when shown (the template asked the lazy queryset only then).
    open_tasks = case_open_tasks(case) if release["tasks"] else []
    covered = perms.consent_covered_institution_ids(case)
    return render(
        request,
        "conferences/case_detail.html",
        {
            "case": case,
            "participations": [(p, p.institution_id in covered) for p in case.participations.all()],
            "consents": case.consents.all(),
            "conferences": conferences,
            "columns": columns,
            "trend": trend,
            "ratings": Rating,
            "open_tasks": open_tasks,
            "today": timezone.localdate(),
            "can_edit": perms.can_edit_case(request.user, case),
            "can_document": perms.can_document_conference(request.user, case),
            "can_view_log": perms.can_view_access_log(request.user, case),
            "can_manage": perms.can_manage_case(request.user, case),
            "release": release,
            "delete_after": delete_after(case),
        },
    )


def case_edit(request, pk: int):
    """Edit the internal note (no names); the page shows the note, so the read is logged."""
    case = access.get_case_for(request.user, pk, read="Fall bearbeiten (interne Notiz)", check=perms.can_edit_case)
    form = CaseForm(request.POST or None, instance=case)
    if request.method == "POST" and form.is_valid() and save_with_conflict_check(form):
        messages.success(request, _("Die Änderungen wurden gespeichert."))
        return redirect(case)
    return render(request, "conferences/case_form.html", {"form": form, "case": case})


def case_institutions(request, pk: int):
    """Choose the participating institutions among the agreement's partners covered by a consent."""
    case = access.get_case_for(request.user, pk, read="Beteiligte Institutionen", check=perms.can_edit_case)
    form = CaseInstitutionsForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        try:
            removed, added = set_case_institutions(
                request.user, case, form.cleaned_data["institutions"], form.cleaned_data["version"]
            )
        except ConflictError as conflict:
            form = rebind_after_conflict(
                CaseInstitutionsForm,
                request.POST,
                conflict.current,
                _(
                    "Die beteiligten Institutionen wurden inzwischen von jemand anderem geändert. Ihre Auswahl "
                    "steht noch im Formular; prüfen Sie sie und speichern Sie erneut."
                ),
                case=access.with_case_access(conflict.current),
            )
        except DomainError as error:
            form.add_error("institutions", error.message)
        else:
            if added or removed:
                messages.success(request, _("Die beteiligten Institutionen wurden gespeichert."))
            return redirect(case)
    return render(request, "conferences/case_institutions.html", {"form": form, "case": case})


def consent_create(request, pk: int):
    """Record a declared consent with its scope, optionally with the scanned form."""
    case = access.get_case_for(request.user, pk, read="Einwilligung erfassen", check=perms.can_edit_case)
    form = ConsentForm(request.POST or None, request.FILES or None, case=case)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            record_consent(
                request.user,
                case,
                given_by=data["given_by"],
                given_on=data["given_on"],
                valid_until=data["valid_until"],
                institutions=data["institutions"],
                information=data["information"],
                scope_note=data["scope_note"],
                document=data.get("document"),
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Die Einwilligung wurde erfasst."))
            if data.get("document"):
                messages.info(
                    request,
                    _("Die Datei „%(name)s“ ist als %(type)s gespeichert.")
                    % {"name": form.document_display_name, "type": form.document_kind.extension.upper()},
                )
            return redirect(case)
    return render(request, "conferences/consent_form.html", {"form": form, "case": case})


def consent_revoke(request, pk: int):
    """Record the revocation of a consent (date; who recorded it is kept)."""
    consent = access.get_consent_for(request.user, pk, read="Widerruf einer Einwilligung", write=True)
    case = consent.case
    if consent.revoked_on is not None:
        messages.info(request, _("Diese Einwilligung ist bereits widerrufen."))
        return redirect(case)
    form = RevokeConsentForm(request.POST or None, consent=consent)
    if request.method == "POST" and form.is_valid():
        try:
            revoke_consent(request.user, consent, form.cleaned_data["revoked_on"])
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _(
                    "Der Widerruf wurde erfasst. Bestehende Protokolle bleiben archiviert; neue Hilfekonferenzen "
                    "sind erst mit einer neuen Einwilligung möglich."
                ),
            )
            return redirect(case)
    return render(request, "conferences/consent_revoke.html", {"form": form, "consent": consent, "case": case})


def consent_document(request, pk: int):
    """Download the scanned consent form (the read is logged)."""
    consent = access.get_consent_for(request.user, pk, read="eingescannte Einwilligung", document=True)
    kind = kind_of_name(consent.document.name)
    suffix = kind.extension if kind else "bin"
    return stored_file_response(
        consent.document.open("rb"), filename=f"Einwilligung-{consent.case.code}-{consent.pk}.{suffix}", kind=kind
    )


def case_access_log(request, pk: int):
    """Who read or changed what in this case, and when (for the owning institution's Koordination)."""
    case = access.get_case_for(request.user, pk, read="Zugriffsprotokoll", check=perms.can_view_access_log)
    # The total from the index alone (case_log_total), not COUNT(*) OVER () over every entry of the case.
    # Compiled once per case and page: both queries read nothing but the case's key.
    page = get_page_keyed(
        ("case_access_log", case.pk),
        lambda: case_log(case).order_by("-timestamp", "-pk"),
        50,
        request.GET.get("page"),
        router.db_for_read(LogEntry),
        total=case_log_total(case),
    )
    # Which fields changed, never their content: the log is not a second copy of the case.
    entries = log_lines(page.object_list)
    return render(request, "conferences/case_access_log.html", {"case": case, "page_obj": page, "entries": entries})
