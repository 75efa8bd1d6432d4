"""Fetch case data for a user by the rules of conferences/permissions.py: 404 outside scope, 403 if not allowed.

The loaders write the access log themselves: every call names what the page shows
(`read="Fallübersicht"`, or `read=None` for a change that shows nothing), and a refused
attempt on an existing object is logged as refused (conferences/audit.py).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import connections, router
from django.http import Http404

from conferences.audit import access_entry, write_entries
from conferences.models import (
    Case,
    CaseAttachment,
    CaseInstitution,
    CaseTeamMember,
    Conference,
    Consent,
    Meeting,
    Task,
)
from conferences.permissions import (
    can_edit_case,
    can_edit_conference,
    can_edit_meeting,
    can_remove_case_attachment,
    can_update_task,
    case_access_institution_ids,
    is_owner_coordinator,
    reading_institution,
    team_institution_ids,
)
from kooperation.core.access import Verdict, require
from kooperation.core.compiled import CompiledQuery, store_prefetched
from kooperation.network.models import Institution
from kooperation.network.permissions import institution_ids, memberships


def _consents(people: bool):
    consents = Consent.objects.all()
    return consents.select_related("recorded_by", "revocation_recorded_by") if people else consents


def _team(people: bool):
    team = CaseTeamMember.objects.all()
    return team.select_related("user", "institution", "added_by") if people else team


def _participations():
    return CaseInstitution.objects.select_related("institution")


def _consent_institutions():
    """The rows of Consent.institutions with their institution, in the order the prefetch of the relation has."""
    ordering = [
        f"-institution__{name[1:]}" if name.startswith("-") else f"institution__{name}"
        for name in Institution._meta.ordering
    ]
    return Consent.institutions.through.objects.select_related("institution").order_by(*ordering)


def compiled_in(build, field: str = "case_id"):
    """`count -> CompiledQuery` of `build().filter(<field>__in=ids)`, compiled once per connection and number of ids."""
    queries: dict[int, CompiledQuery] = {}

    def query(count: int) -> CompiledQuery:
        compiled = queries.get(count)
        if compiled is None:
            compiled = queries[count] = CompiledQuery(
                lambda *ids: build().filter(**{f"{field}__in": ids}), lambda connection, *ids: list(ids)
            )
        return compiled

    return query


# The queries of with_case_access, compiled once per connection (kooperation/core/compiled.py): every page of a
# case runs them, and building them through prefetch_related_objects cost more than the database.
_ACCESS_QUERIES = {
    people: {
        "participations": compiled_in(_participations),
        "consents": compiled_in(lambda people=people: _consents(people)),
        "consent_institutions": compiled_in(_consent_institutions, "consent__case_id"),
        "team_members": compiled_in(lambda people=people: _team(people)),
    }
    for people in (True, False)
}


def prefetch_case_access(cases, *, people: bool = True, team: bool = True) -> None:
    """Prefetch what the case checks read for these cases: participations, consents with their institutions, team.

    The same rows as `prefetch_related_objects(cases, Prefetch("participations", queryset=_participations()),
    Prefetch("consents", queryset=_consents(people).prefetch_related("institutions")),
    Prefetch("team_members", queryset=_team(people)))` stores, with SQL compiled once per connection and number of
    cases; what is prefetched already is kept. `team=False`: without the team (the case list).
    """
    queries = _ACCESS_QUERIES[people]
    names = ("participations", "consents", "team_members") if team else ("participations", "consents")
    for name in names:
        todo = {case.pk: case for case in cases if name not in case.__dict__.get("_prefetched_objects_cache", {})}
        if not todo:
            continue
        first = next(iter(todo.values()))
        alias = first._state.db or router.db_for_read(Case, instance=first)
        ids = list(todo)
        rows = queries[name](len(ids)).fetch(alias, *ids)
        if name == "consents":
            by_consent: dict = {row.pk: [] for row in rows}
            if rows:
                for link in queries["consent_institutions"](len(ids)).fetch(alias, *ids):
                    by_consent[link.consent_id].append(link.institution)
            for row in rows:
                store_prefetched(row, "institutions", Institution.objects.all(), by_consent[row.pk])
        by_case: dict = {pk: [] for pk in ids}
        for row in rows:
            row.case = todo[row.case_id]
            by_case[row.case_id].append(row)
        queryset = {
            "participations": _participations,
            "consents": lambda: _consents(people),
            "team_members": lambda: _team(people),
        }[name]()
        for pk, case in todo.items():
            store_prefetched(case, name, queryset, by_case[pk])


def with_case_access(case, *, people: bool = True):
    """Prefetch what the case checks read: participations, consents and the team with their institutions.

    `people=False`: the consents and the team without who recorded them and the members' accounts (the checks
    read only ids), for pages that do not list them.
    """
    prefetch_case_access([case], people=people)
    return case


def sees_case(user, case) -> bool:
    """Case.visible_to for one case, read from the rows with_case_access prefetched.

    The team, through one of the user's active institutions that still has access (owner, or a
    participant covered by a valid consent), or the Koordination of the owning institution.
    Keep in step with `Case.visible_to` (tests/test_conferences_access.py compares the two).
    """
    if team_institution_ids(user, case) & institution_ids(user):
        return True
    return is_owner_coordinator(user, case)


def sees_conference(user, conference) -> bool:
    """Conference.visible_to for one conference, read from the rows with_case_access prefetched.

    Those who see its case, and an invitee while one of the invitee's institutions still has access to
    the case (owner, or a participant covered by a valid consent); only then is the invitation looked up.
    Keep in step with `Conference.visible_to` (tests/test_conferences_access.py compares the two).
    """
    if not user.is_authenticated:
        return False
    if sees_case(user, conference.case):
        return True
    if not case_access_institution_ids(conference.case) & institution_ids(user):
        return False
    return Conference.invited.through.objects.filter(conference_id=conference.pk, user_id=user.pk).exists()


def log_read(user, obj, case, read: str | None) -> None:
    """Log a read of an object of a case (the loaders call it; a download logs once the file exists)."""
    if read:
        write_entries([access_entry(user, obj, case, read, reading_institution(user, case))])


def _log_refused(user, model, pk: int, case, what: str | None) -> None:
    """A refused attempt on an existing object of a case: logged apart from reads."""
    if case is not None:
        write_entries([access_entry(user, None, case, what or "Änderung", refused=True, model=model, pk=pk)])


def _refuse_unseen(user, model, pk: int, case_field: str, read: str | None):
    """404 for an object outside the user's scope; if it exists, the attempt is logged as refused."""
    case_id = model.objects.filter(pk=pk).values_list(case_field, flat=True).first()
    case = Case.objects.only("pk", "code").filter(pk=case_id).first() if case_id else None
    _log_refused(user, model, pk, case, read)
    raise Http404


def _require(user, obj, case, verdict: Verdict, read: str | None) -> None:
    if not verdict:
        _log_refused(user, type(obj), obj.pk, case, read)
        raise PermissionDenied(verdict.reason)


_CASE = CompiledQuery(
    lambda pk: Case.objects.select_related("agreement", "owner_institution").filter(pk=pk).order_by(),
    lambda connection, pk: [pk],
)


def _load_case(pk: int):
    """`Case.objects.select_related("agreement", "owner_institution").filter(pk=pk).first()`, its SQL compiled once."""
    alias = router.db_for_read(Case)
    low, high = connections[alias].ops.integer_field_range(Case._meta.pk.get_internal_type())
    if not isinstance(pk, int) or not low <= pk <= high:
        # Out of the column's range the ORM answers "no such row" without asking the database.
        return Case.objects.select_related("agreement", "owner_institution").filter(pk=pk).first()
    rows = _CASE.fetch(alias, pk)
    return rows[0] if rows else None


def get_case_for(user, pk: int, *, read: str | None, check=None):
    """Load a case the user reads; 404 outside (also for Administration), 403 when not allowed.

    `read` names what the page shows (logged as a read), None for a change that shows nothing.
    """

    # Visibility is decided on the rows the checks prefetch anyway (sees_case), not by a second copy
    # of Case.visible_to's subqueries in this query: building and compiling those cost more than the page.
    case = _load_case(pk)
    if case is None:
        raise Http404
    with_case_access(case)
    if not sees_case(user, case):
        _log_refused(user, Case, case.pk, case, read)
        raise Http404
    if check is not None:
        _require(user, case, case, check(user, case), read)
    log_read(user, case, case, read)
    return case


def get_conference_for(user, pk: int, *, read: str | None, write: bool = False, check=None):
    """Load a conference the user reads (team, owner's Koordination, invitees); 404 outside, 403 not allowed."""

    # As get_case_for: visibility is decided on the prefetched rows (sees_conference), not by compiling
    # Conference.visible_to's subqueries into this query.
    conference = (
        Conference.objects.select_related("case__agreement", "case__owner_institution", "moderator", "finalised_by")
        .filter(pk=pk)
        .first()
    )
    if conference is None:
        raise Http404
    case = conference.case
    with_case_access(case, people=False)
    if not sees_conference(user, conference):
        _log_refused(user, Conference, conference.pk, case, read)
        raise Http404
    if write:
        _require(user, conference, case, can_edit_conference(user, conference), read)
    if check is not None:
        _require(user, conference, case, check(user, conference), read)
    log_read(user, conference, case, read)
    return conference


def get_consent_for(user, pk: int, *, read: str | None, write: bool = False, document: bool = False):
    """Load a consent of a case the user reads; `document=True`: 404 unless a scan is stored (before logging)."""

    consent = (
        Consent.objects.filter(case__in=Case.objects.visible_to(user).values("pk"))
        .select_related("case__agreement", "case__owner_institution")
        .filter(pk=pk)
        .first()
    )
    if consent is None:
        _refuse_unseen(user, Consent, pk, "case_id", read)
    with_case_access(consent.case)
    if write:
        _require(user, consent, consent.case, can_edit_case(user, consent.case), read)
    if document and not consent.document:
        raise Http404
    log_read(user, consent, consent.case, read)
    return consent


def get_case_attachment_for(user, pk: int, *, read: str | None, write: bool = False, document: bool = False):
    """Load an Anlage of a case the user reads; `write`: may remove it; `document`: 404 once its file is gone."""

    attachment = (
        CaseAttachment.objects.filter(case__in=Case.objects.visible_to(user).values("pk"))
        .select_related("case__agreement", "case__owner_institution", "uploaded_by", "removed_by")
        .filter(pk=pk)
        .first()
    )
    if attachment is None:
        _refuse_unseen(user, CaseAttachment, pk, "case_id", read)
    with_case_access(attachment.case)
    if write:
        _require(user, attachment, attachment.case, can_remove_case_attachment(user, attachment), read)
    if document and (attachment.is_removed or not attachment.file):
        raise Http404
    log_read(user, attachment, attachment.case, read)
    return attachment


def visible_meetings(user):
    return Meeting.objects.visible_to(user).values("pk")


def get_meeting_for(user, pk: int, write: bool = False):
    """Load a Sitzung of an agreement the user sees; 404 outside, 403 for writes not allowed."""

    meeting = (
        Meeting.objects.visible_to(user)
        .select_related("agreement", "recorder", "finalised_by", "subgroup", "quality_dialogue")
        .filter(pk=pk)
        .first()
    )
    if meeting is None:
        raise Http404
    if write:
        require(can_edit_meeting(user, meeting))
    return meeting


def get_task_for(user, pk: int, *, read: str | None, write: bool = False):
    """Load a task of a case or meeting visible to the user; 404 outside, 403 when not allowed."""

    task = (
        Task.objects.visible_to(user)
        .select_related(
            "case__agreement",
            "case__owner_institution",
            "conference",
            "meeting__agreement",
            "meeting__subgroup",
            "meeting__quality_dialogue",
            "responsible_institution",
            "responsible_user",
        )
        .filter(pk=pk)
        .first()
    )
    if task is None:
        _refuse_unseen(user, Task, pk, "case_id", read)
    if task.case_id:
        with_case_access(task.case)
    if write:
        verdict = can_update_task(user, task)
        if task.case_id:
            _require(user, task, task.case, verdict, read)
        require(verdict)
    if task.case_id:
        log_read(user, task, task.case, read)
    return task


def read_tasks(user, tasks, read: str) -> list:
    """A list page's tasks, each case task's read logged (one query for all)."""
    tasks = list(tasks)
    own = {m.institution_id: m.institution for m in memberships(user)}
    entries = []
    for task in tasks:
        if task.case_id:
            institution = own.get(task.responsible_institution_id) or (own[min(own)] if own else None)
            entries.append(access_entry(user, task, task.case, read, institution))
    write_entries(entries)
    return tasks
