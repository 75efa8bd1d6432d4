"""All access rules of Kooperation in one place.

Checks return a Decision (allowed or denied with a German reason shown to the user).
Loaders fetch one object through the user's scope: 404 for objects outside it (never
reveal that they exist), 403 with the reason for objects visible but not allowed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

# Permission names, one per rule below.
MANAGE_NETWORK = "network.manage"  # institutions, Arbeitsfelder, Leitung
MANAGE_USERS = "users.manage"
EDIT_DIRECTORY_ENTRY = "institution.edit_directory"  # contacts and offers
MANAGE_CATALOGUES = "catalogues.manage"
CREATE_AGREEMENT = "agreement.create"
EDIT_AGREEMENT = "agreement.edit"  # text, partners and sections while not frozen


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


ALLOWED = Decision(True)


def denied(reason: str) -> Decision:
    return Decision(False, reason)


def memberships(user) -> list:
    """Return the user's memberships, loaded once per request and cached on the user."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_kooperation_memberships", None)
    if cached is None:
        cached = list(user.memberships.select_related("institution__arbeitsfeld"))
        user._kooperation_memberships = cached
    return cached


def institution_ids(user, role: str | None = None) -> set[int]:
    """IDs of the active institutions the user belongs to (optionally: with this role)."""
    return {m.institution_id for m in memberships(user) if m.institution.is_active and (role is None or m.role == role)}


def has_role(user, institution_id: int, role: str) -> bool:
    return institution_id in institution_ids(user, role)


def can_manage_network(user) -> Decision:
    if user.is_authenticated and user.is_active and user.is_administration:
        return ALLOWED
    return denied(_("Nur die Administration verwaltet Institutionen, Arbeitsfelder und Leitungen."))


def can_manage_users(user) -> Decision:
    if user.is_authenticated and user.is_active and user.is_administration:
        return ALLOWED
    return denied(_("Nur die Administration verwaltet Benutzerkonten und Mitgliedschaften."))


def can_edit_directory_entry(user, institution) -> Decision:
    """Contacts and offers: Administration, or the institution's own Koordination."""
    from agreements.models import Role

    if can_manage_network(user):
        return ALLOWED
    if has_role(user, institution.pk, Role.KOORDINATION):
        return ALLOWED
    return denied(
        _(
            "Ansprechpartner/innen und Angebote von „%(name)s“ pflegen nur die Koordination "
            "dieser Institution und die Administration."
        )
        % {"name": institution.name}
    )


def can_manage_catalogues(user) -> Decision:
    if user.is_authenticated and user.is_active and user.is_administration:
        return ALLOWED
    return denied(_("Nur die Administration pflegt die Kataloge."))


def can_create_agreement(user) -> Decision:
    from agreements.models import Role

    if institution_ids(user, Role.KOORDINATION):
        return ALLOWED
    return denied(_("Vereinbarungen legt die Koordination einer Institution an."))


def partner_institution_ids(agreement) -> set[int]:
    """IDs of the agreement's partner institutions, loaded once per agreement object."""
    cached = getattr(agreement, "_partner_institution_ids", None)
    if cached is None:
        cached = {p.institution_id for p in agreement.partners.all()}
        agreement._partner_institution_ids = cached
    return cached


def is_partner_coordinator(user, agreement) -> bool:
    from agreements.models import Role

    return bool(institution_ids(user, Role.KOORDINATION) & partner_institution_ids(agreement))


def can_edit_agreement(user, agreement) -> Decision:
    """Koordination of a partner institution, while the revision is not frozen."""
    if not agreement.is_editable:
        return denied(
            _("Diese Revision hat den Status „%(status)s“ und kann nicht mehr bearbeitet werden.")
            % {"status": agreement.get_status_display()}
        )
    if not is_partner_coordinator(user, agreement):
        return denied(_("Die Vereinbarung bearbeitet nur die Koordination einer Partnerinstitution."))
    return ALLOWED


CHECKS = {
    MANAGE_NETWORK: lambda user, obj=None: can_manage_network(user),
    MANAGE_USERS: lambda user, obj=None: can_manage_users(user),
    EDIT_DIRECTORY_ENTRY: can_edit_directory_entry,
    MANAGE_CATALOGUES: lambda user, obj=None: can_manage_catalogues(user),
    CREATE_AGREEMENT: lambda user, obj=None: can_create_agreement(user),
    EDIT_AGREEMENT: can_edit_agreement,
}


def check(user, permission: str, obj=None) -> Decision:
    """Evaluate a named permission for the user (and object)."""
    return CHECKS[permission](user, obj)


def require(decision: Decision) -> None:
    """Raise PermissionDenied with the decision's reason unless it is allowed."""
    if not decision:
        raise PermissionDenied(decision.reason)


def get_institution_for(user, pk: int, permission: str | None = None):
    """Load an institution visible to the user; 404 outside, 403 when not allowed."""
    from agreements.models import Institution

    institution = Institution.objects.visible_to(user).select_related("arbeitsfeld").filter(pk=pk).first()
    if institution is None:
        raise Http404
    if permission:
        require(check(user, permission, institution))
    return institution


def get_managed_user(user, pk: int):
    """Load a user account for Administration (others get 403 on the whole area)."""
    from agreements.models import User

    require(can_manage_users(user))
    account = User.objects.filter(pk=pk).first()
    if account is None:
        raise Http404
    return account


def get_agreement_for(user, pk: int, write: bool = False):
    """Load an agreement the user may see; 404 outside, 403 for writes not allowed."""
    from agreements.models import Agreement

    agreement = Agreement.objects.visible_to(user).select_related("coordinating_institution").filter(pk=pk).first()
    if agreement is None:
        raise Http404
    if write:
        require(can_edit_agreement(user, agreement))
    return agreement


# Working structure: subgroups' drafts stay inside their institution ---------------------


def subgroup_insider(user, subgroup) -> bool:
    """Users of the subgroup's institution(s) see its drafts; nobody else, not even a member who left."""
    from agreements.models import Partner

    own = institution_ids(user)
    if subgroup.institution_id:
        return subgroup.institution_id in own
    return Partner.objects.filter(
        agreement_id=subgroup.agreement_id, institution__arbeitsfeld_id=subgroup.arbeitsfeld_id, institution_id__in=own
    ).exists()


def can_answer(user, subgroup) -> Decision:
    from agreements.models import Status

    if not subgroup.members.filter(pk=user.pk).exists():
        return denied(_("Die Antworten schreiben die Mitglieder der Untergruppe."))
    if subgroup.agreement.status != Status.IN_ERARBEITUNG:
        return denied(
            _("Antworten werden erarbeitet, solange die Vereinbarung „In Erarbeitung“ ist (jetzt: %(status)s).")
            % {"status": subgroup.agreement.get_status_display()}
        )
    return ALLOWED


def get_subgroup_for(user, pk: int, drafts: bool = True):
    """Load a subgroup; with its drafts only for insiders, everyone else gets 404 (drafts are internal).

    Without drafts (its name and staffing) it loads for everyone who sees the agreement.
    """
    from agreements.models import Agreement, Subgroup

    subgroup = (
        Subgroup.objects.select_related("agreement", "institution", "arbeitsfeld")
        .filter(pk=pk, agreement__in=Agreement.objects.visible_to(user).values("pk"))
        .first()
    )
    if subgroup is None or (drafts and not subgroup_insider(user, subgroup)):
        raise Http404
    return subgroup


def get_partner_for(user, agreement, partner_pk: int):
    """Load a partner of the agreement for users of that institution (internal clarification)."""
    partner = agreement.partners.select_related("institution").filter(pk=partner_pk).first()
    if partner is None or partner.institution_id not in institution_ids(user):
        raise Http404
    return partner


def can_edit_reflection(user, partner) -> Decision:
    if not partner.agreement.is_editable:
        return denied(_("Die Vereinbarung ist eingefroren; die interne Klärung kann nicht mehr geändert werden."))
    if partner.institution_id not in institution_ids(user):
        return denied(_("Die interne Klärung schreibt die Institution selbst."))
    return ALLOWED


# ---------------------------------------------------------------------------
# Cases and conferences (conferences app)
#
# Case data are social data (SGB VIII §§ 61–65, GDPR Art. 9). A case is visible to the
# users of its owning institution and of every participating institution covered by a
# valid consent; Administration is no back door. Fachkraft and Koordination of such an
# institution document; Sitzungen follow the agreement (partners' users).
# ---------------------------------------------------------------------------

CREATE_CASE = "case.create"
EDIT_CASE = "case.edit"  # note, institutions, consents, planning conferences
DOCUMENT_CONFERENCE = "case.document_conference"  # needs a valid consent for every institution
VIEW_ACCESS_LOG = "case.view_access_log"
CREATE_MEETING = "meeting.create"
EDIT_MEETING = "meeting.edit"
UPDATE_TASK = "task.update"

CASE_EDIT_ROLES = ("fachkraft", "koordination")


def case_editor_institution_ids(user) -> set[int]:
    """Institutions in which the user may open and document cases (Fachkraft or Koordination)."""
    return {m.institution_id for m in memberships(user) if m.institution.is_active and m.role in CASE_EDIT_ROLES}


def consent_covered_institution_ids(case) -> set[int]:
    """Institutions covered today by a valid consent (reads the prefetched consents)."""
    cached = getattr(case, "_covered_institution_ids", None)
    if cached is None:
        from django.utils import timezone

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


def can_create_case(user) -> Decision:
    if case_editor_institution_ids(user):
        return ALLOWED
    return denied(_("Fälle legen Fachkräfte und die Koordination einer Institution an."))


def can_edit_case(user, case) -> Decision:
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


def can_document_conference(user, case) -> Decision:
    """A new or open conference may be documented only while every institution is covered by consent."""
    decision = can_edit_case(user, case)
    if not decision:
        return decision
    reason = consent_block_reason(case)
    return denied(reason) if reason else ALLOWED


def can_edit_conference(user, conference) -> Decision:
    if conference.is_final:
        return denied(
            _("Das Ergebnisprotokoll ist abgeschlossen und kann nur noch durch einen Nachtrag ergänzt werden.")
        )
    return can_document_conference(user, conference.case)


def can_add_conference_addendum(user, conference) -> Decision:
    if not conference.is_final:
        return denied(_("Nachträge gibt es erst, wenn das Ergebnisprotokoll abgeschlossen ist."))
    return can_edit_case(user, conference.case)


def can_view_access_log(user, case) -> Decision:
    from agreements.models import Role

    if has_role(user, case.owner_institution_id, Role.KOORDINATION):
        return ALLOWED
    return denied(_("Das Zugriffsprotokoll sieht nur die Koordination der fallführenden Institution."))


def can_create_meeting(user) -> Decision:
    from agreements.models import Role

    if institution_ids(user, Role.KOORDINATION):
        return ALLOWED
    return denied(_("Sitzungen legt die Koordination einer Partnerinstitution an."))


def can_edit_meeting(user, meeting) -> Decision:
    """Koordination of a partner institution, or the meeting's Protokollführung, until finalised."""
    if meeting.is_final:
        return denied(_("Das Protokoll ist abgeschlossen und kann nur noch durch einen Nachtrag ergänzt werden."))
    return _meeting_editor(user, meeting)


def can_add_meeting_addendum(user, meeting) -> Decision:
    if not meeting.is_final:
        return denied(_("Nachträge gibt es erst, wenn das Protokoll abgeschlossen ist."))
    return _meeting_editor(user, meeting)


def _meeting_editor(user, meeting) -> Decision:
    if meeting.recorder_id == user.pk or is_partner_coordinator(user, meeting.agreement):
        return ALLOWED
    return denied(
        _("Das Sitzungsprotokoll bearbeiten die Protokollführung und die Koordination der Partnerinstitutionen.")
    )


def can_update_task(user, task) -> Decision:
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


CHECKS.update(
    {
        CREATE_CASE: lambda user, obj=None: can_create_case(user),
        EDIT_CASE: can_edit_case,
        DOCUMENT_CONFERENCE: can_document_conference,
        VIEW_ACCESS_LOG: can_view_access_log,
        CREATE_MEETING: lambda user, obj=None: can_create_meeting(user),
        EDIT_MEETING: can_edit_meeting,
        UPDATE_TASK: can_update_task,
    }
)


def with_case_access(case):
    """Prefetch what the case checks read: participations and consents with their institutions."""
    from django.db.models import Prefetch, prefetch_related_objects

    from conferences.models import CaseInstitution, Consent

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


def get_case_for(user, pk: int, permission: str | None = None):
    """Load a case visible to the user; 404 outside (also for Administration), 403 when not allowed."""
    from conferences.models import Case

    case = Case.objects.visible_to(user).select_related("agreement", "owner_institution").filter(pk=pk).first()
    if case is None:
        raise Http404
    with_case_access(case)
    if permission:
        require(check(user, permission, case))
    return case


def get_conference_for(user, pk: int, write: bool = False):
    """Load a conference of a case visible to the user; 404 outside, 403 for writes not allowed."""
    from conferences.models import Case, Conference

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
    from conferences.models import Case, Consent

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
    from conferences.models import Meeting

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
    from conferences.models import Task

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


def can_view_evidence(user, institution) -> Decision:
    """An institution's Nachweis: its own Koordination or Leitung, and Administration."""
    from agreements.models import Role

    if can_manage_network(user):
        return ALLOWED
    if has_role(user, institution.pk, Role.KOORDINATION) or has_role(user, institution.pk, Role.LEITUNG):
        return ALLOWED
    return denied(
        _("Den Nachweis von „%(name)s“ sehen nur deren Koordination und Leitung sowie die Administration.")
        % {"name": institution.name}
    )
