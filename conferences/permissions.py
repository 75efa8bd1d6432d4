"""Access rules of the conferences app: cases, consents, Hilfekonferenzen, Sitzungen and tasks.

Case data are social data (SGB VIII §§ 61–65, GDPR Art. 9). A case is visible to the
users of its owning institution and of every participating institution covered by a
valid consent; Administration is no back door. Fachkraft and Koordination of such an
institution document; Sitzungen follow the agreement (partners' users).
"""

from __future__ import annotations

from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements.permissions import is_partner_coordinator
from conferences.models import Case, CaseInstitution, Conference, Consent, Meeting, Task
from kooperation.core.access import ALLOWED, Verdict, denied, require
from kooperation.network.models import Role
from kooperation.network.permissions import has_role, institution_ids, role_institution_ids

CASE_EDIT_ROLES = (Role.FACHKRAFT, Role.KOORDINATION)


def case_editor_institution_ids(user) -> set[int]:
    """Institutions in which the user may open and document cases (Fachkraft or Koordination)."""
    return role_institution_ids(user, CASE_EDIT_ROLES)


def consent_covered_institution_ids(case) -> set[int]:
    """Institutions covered today by a valid consent (reads the prefetched consents)."""
    cached = getattr(case, "_covered_institution_ids", None)
    if cached is None:
        today = timezone.localdate()
        cached = {i.pk for c in case.consents.all() if c.is_valid_on(today) for i in c.institutions.all()}
        case._covered_institution_ids = cached
    return cached


def case_institution_ids(case) -> set[int]:
    """Institutions taking part in the case (reads the prefetched participations)."""
    cached = getattr(case, "_case_institution_ids", None)
    if cached is None:
        cached = {p.institution_id for p in case.participations.all()}
        case._case_institution_ids = cached
    return cached


def case_access_institution_ids(case) -> set[int]:
    """The owning institution, and every participant covered by a valid consent (as Case.visible_to)."""
    return {case.owner_institution_id} | (case_institution_ids(case) & consent_covered_institution_ids(case))


def can_create_case(user) -> Verdict:
    if case_editor_institution_ids(user):
        return ALLOWED
    return denied(_("Fälle legen Fachkräfte und die Koordination einer Institution an."))


def can_edit_case(user, case) -> Verdict:
    """Fachkraft or Koordination of an institution with access to the case."""
    if case_editor_institution_ids(user) & case_access_institution_ids(case):
        return ALLOWED
    return denied(_("Fälle bearbeiten nur Fachkräfte und die Koordination der beteiligten Institutionen."))


def uncovered_institutions(case) -> list:
    """Participating institutions without a valid consent today (reads prefetched rows)."""
    covered = consent_covered_institution_ids(case)
    return [p.institution for p in case.participations.all() if p.institution_id not in covered]


def consent_block_reason(case) -> str:
    """Why no new conference may be documented, or "" when every institution is covered."""
    if not consent_covered_institution_ids(case):
        return _(
            "Es liegt keine gültige Einwilligung vor. Ohne erklärtes Einverständnis der Familie kann keine "
            "Hilfekonferenz dokumentiert werden."
        )
    missing = uncovered_institutions(case)
    if missing:
        return _(
            "Für %(names)s liegt keine gültige Einwilligung vor. Erfassen Sie eine Einwilligung, die diese "
            "Institution umfasst, oder nehmen Sie sie aus dem Fall."
        ) % {"names": ", ".join(f"„{i.name}“" for i in missing)}
    return ""


def can_document_conference(user, case) -> Verdict:
    """A new or open conference may be documented only while every institution is covered by consent."""
    decision = can_edit_case(user, case)
    if not decision:
        return decision
    reason = consent_block_reason(case)
    return denied(reason) if reason else ALLOWED


def can_edit_conference(user, conference) -> Verdict:
    if conference.is_final:
        return denied(
            _("Das Ergebnisprotokoll ist abgeschlossen und kann nur noch durch einen Nachtrag ergänzt werden.")
        )
    return can_document_conference(user, conference.case)


def can_add_conference_addendum(user, conference) -> Verdict:
    if not conference.is_final:
        return denied(_("Nachträge gibt es erst, wenn das Ergebnisprotokoll abgeschlossen ist."))
    return can_edit_case(user, conference.case)


def can_view_access_log(user, case) -> Verdict:

    if has_role(user, case.owner_institution_id, Role.KOORDINATION):
        return ALLOWED
    return denied(_("Das Zugriffsprotokoll sieht nur die Koordination der fallführenden Institution."))


def can_create_meeting(user) -> Verdict:

    if institution_ids(user, Role.KOORDINATION):
        return ALLOWED
    return denied(_("Sitzungen legt die Koordination einer Partnerinstitution an."))


def can_edit_meeting(user, meeting) -> Verdict:
    """Koordination of a partner institution, or the meeting's Protokollführung, until finalised."""
    if meeting.is_final:
        return denied(_("Das Protokoll ist abgeschlossen und kann nur noch durch einen Nachtrag ergänzt werden."))
    return _meeting_editor(user, meeting)


def can_add_meeting_addendum(user, meeting) -> Verdict:
    if not meeting.is_final:
        return denied(_("Nachträge gibt es erst, wenn das Protokoll abgeschlossen ist."))
    return _meeting_editor(user, meeting)


def _meeting_editor(user, meeting) -> Verdict:
    if meeting.recorder_id == user.pk or is_partner_coordinator(user, meeting.agreement):
        return ALLOWED
    return denied(
        _("Das Sitzungsprotokoll bearbeiten die Protokollführung und die Koordination der Partnerinstitutionen.")
    )


def can_update_task(user, task) -> Verdict:
    """The responsible person, Fachkraft or Koordination of the responsible institution, or the protocol's editors."""
    if task.responsible_user_id == user.pk:
        return ALLOWED
    if task.responsible_institution_id in case_editor_institution_ids(user):
        return ALLOWED
    if task.case_id is not None and can_edit_case(user, task.case):
        return ALLOWED
    if task.meeting_id is not None and _meeting_editor(user, task.meeting):
        return ALLOWED
    return denied(
        _(
            "Den Stand einer Aufgabe tragen die verantwortliche Person, die Fachkräfte und die Koordination der "
            "verantwortlichen Institution ein."
        )
    )


def with_case_access(case):
    """Prefetch what the case checks read: participations and consents with their institutions."""

    prefetch_related_objects(
        [case],
        Prefetch("participations", queryset=CaseInstitution.objects.select_related("institution")),
        Prefetch(
            "consents",
            queryset=Consent.objects.select_related("recorded_by", "revocation_recorded_by").prefetch_related(
                "institutions"
            ),
        ),
    )
    return case


def get_case_for(user, pk: int, check=None):
    """Load a case visible to the user; 404 outside (also for Administration), 403 when not allowed."""

    case = Case.objects.visible_to(user).select_related("agreement", "owner_institution").filter(pk=pk).first()
    if case is None:
        raise Http404
    with_case_access(case)
    if check is not None:
        require(check(user, case))
    return case


def get_conference_for(user, pk: int, write: bool = False):
    """Load a conference of a case visible to the user; 404 outside, 403 for writes not allowed."""

    conference = (
        Conference.objects.filter(case__in=Case.objects.visible_to(user).values("pk"))
        .select_related("case__agreement", "case__owner_institution", "moderator", "finalised_by")
        .filter(pk=pk)
        .first()
    )
    if conference is None:
        raise Http404
    with_case_access(conference.case)
    if write:
        require(can_edit_conference(user, conference))
    return conference


def get_consent_for(user, pk: int, write: bool = False):

    consent = (
        Consent.objects.filter(case__in=Case.objects.visible_to(user).values("pk"))
        .select_related("case__agreement", "case__owner_institution")
        .filter(pk=pk)
        .first()
    )
    if consent is None:
        raise Http404
    with_case_access(consent.case)
    if write:
        require(can_edit_case(user, consent.case))
    return consent


def get_meeting_for(user, pk: int, write: bool = False):
    """Load a Sitzung of an agreement the user sees; 404 outside, 403 for writes not allowed."""

    meeting = (
        Meeting.objects.visible_to(user).select_related("agreement", "recorder", "finalised_by").filter(pk=pk).first()
    )
    if meeting is None:
        raise Http404
    if write:
        require(can_edit_meeting(user, meeting))
    return meeting


def get_task_for(user, pk: int, write: bool = False):
    """Load a task of a case or meeting visible to the user; 404 outside, 403 when not allowed."""

    task = (
        Task.objects.visible_to(user)
        .select_related(
            "case__agreement",
            "case__owner_institution",
            "conference",
            "meeting__agreement",
            "responsible_institution",
            "responsible_user",
        )
        .filter(pk=pk)
        .first()
    )
    if task is None:
        raise Http404
    if task.case_id:
        with_case_access(task.case)
    if write:
        require(can_update_task(user, task))
    return task
