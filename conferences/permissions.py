"""Access rules of the conferences app: cases, consents, Hilfekonferenzen, Sitzungen and tasks.

Case data are social data (SGB VIII §§ 61–65, GDPR Art. 9). Institutions take part in a
case (the owning one, and participants covered by a valid consent); within them only the
case team reads it (need-to-know), plus, read-only, the Koordination of the owning
institution; Administration is no back door. Fachkraft and Koordination on the team
document; invitees of a Hilfekonferenz read that conference. Sitzungen follow the
agreement (partners' users).

The loaders that fetch an object for a user by these rules, and write the access log, are in
conferences/access.py.
"""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements.permissions import is_partner_coordinator, is_partner_user
from conferences.models import (
    InformationKind,
)
from kooperation.core.access import ALLOWED, Verdict, denied, require
from kooperation.network.models import Institution, Role
from kooperation.network.permissions import has_role, institution_ids, memberships, role_institution_ids

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


def team_institution_ids(user, case) -> set[int]:
    """Institutions for which the user is on the case team and which still have access (prefetched rows)."""
    return {t.institution_id for t in case.team_members.all() if t.user_id == user.pk} & case_access_institution_ids(
        case
    )


def is_owner_coordinator(user, case) -> bool:
    return has_role(user, case.owner_institution_id, Role.KOORDINATION)


def can_read_case(user, case) -> Verdict:
    """The case team, and read-only the Koordination of the owning institution (as Case.visible_to)."""
    if team_institution_ids(user, case) or is_owner_coordinator(user, case):
        return ALLOWED
    return denied(_("Den Fall lesen nur das Fallteam und die Koordination der fallführenden Institution."))


def reading_institution(user, case):
    """The institution through which the user reads the case (for the access log), or None."""
    own = {m.institution_id: m.institution for m in memberships(user)}
    team = sorted({t.institution_id for t in case.team_members.all() if t.user_id == user.pk} & own.keys())
    if team:
        return own[team[0]]
    if case.owner_institution_id in own:
        return own[case.owner_institution_id]
    access = sorted(case_access_institution_ids(case) & own.keys())
    return own[access[0]] if access else None


def can_manage_case(user, case) -> Verdict:
    """Team, closing, legal hold, Auskunft: the Koordination of the owning institution."""
    if is_owner_coordinator(user, case):
        return ALLOWED
    return denied(
        _("Fallteam, Abschluss, Löschsperre und Auskunft verwaltet die Koordination der fallführenden Institution.")
    )


def can_close_case(user, case) -> Verdict:
    if case.is_closed:
        return denied(_("Der Fall ist bereits abgeschlossen."))
    return can_manage_case(user, case)


def can_create_case(user) -> Verdict:
    if case_editor_institution_ids(user):
        return ALLOWED
    return denied(_("Fälle legen Fachkräfte und die Koordination einer Institution an."))


def can_edit_case(user, case) -> Verdict:
    """Fachkraft or Koordination on the case team, for an institution with access, while the case is open."""
    if case.is_closed:
        return denied(_("Der Fall ist abgeschlossen; er kann nur noch gelesen werden."))
    if case_editor_institution_ids(user) & team_institution_ids(user, case):
        return ALLOWED
    return denied(_("Fälle bearbeiten nur Fachkräfte und die Koordination im Fallteam der beteiligten Institutionen."))


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


# Which kinds of information (Consent.information) each part of a Hilfekonferenz protocol needs
# before a partner institution may read it. The owning institution collected the data itself and
# reads every part; partners read a part only if a valid consent covering them names every kind.
PROTOCOL_PARTS = {
    "participants": (InformationKind.HILFEKONFERENZ,),
    "situation": (InformationKind.HILFEKONFERENZ, InformationKind.HILFEVERLAUF),
    "needs_parents": (InformationKind.HILFEKONFERENZ, InformationKind.HILFEVERLAUF),
    "needs_child": (InformationKind.HILFEKONFERENZ, InformationKind.KIND),
    "checks": (InformationKind.HILFEKONFERENZ, InformationKind.KIND),
    "tasks": (InformationKind.HILFEKONFERENZ,),
    "addenda": (InformationKind.HILFEKONFERENZ,),
}


def released_kinds(case, institution_id: int | None) -> set[str] | None:
    """Kinds of information valid consents release to the institution today; None: all (the owner)."""
    if institution_id == case.owner_institution_id:
        return None
    today = timezone.localdate()
    kinds: set[str] = set()
    for consent in case.consents.all():
        if consent.is_valid_on(today) and any(i.pk == institution_id for i in consent.institutions.all()):
            kinds.update(consent.information)
    return kinds


def protocol_release(user, conference) -> dict[str, Verdict]:
    """Per protocol part: released to the reader's institution, or "nicht freigegeben" with the reason."""
    return case_release(user, conference.case)


def case_release(user, case) -> dict[str, Verdict]:
    """The same for the parts the case page gathers from its protocols (criteria trend, open tasks)."""
    institution = reading_institution(user, case)
    kinds = released_kinds(case, institution.pk if institution else None)
    labels = dict(InformationKind.choices)
    release = {}
    for part, needed in PROTOCOL_PARTS.items():
        missing = [] if kinds is None else [str(labels[k]) for k in needed if k not in kinds]
        release[part] = (
            denied(
                _("Nicht freigegeben: Die Einwilligung der Familie umfasst für %(institution)s nicht „%(kinds)s“.")
                % {"institution": institution.name if institution else "–", "kinds": "“, „".join(missing)}
            )
            if missing
            else ALLOWED
        )
    return release


def can_export_institution_log(user, institution) -> Verdict:
    """The access log of an institution (no case content): its Koordination, and Administration."""
    if user.is_administration or has_role(user, institution.pk, Role.KOORDINATION):
        return ALLOWED
    return denied(_("Das Zugriffsprotokoll einer Institution exportieren ihre Koordination und die Administration."))


def get_log_institution_for(user, pk: int):
    """An institution whose access log the user may export; 404 for other institutions, 403 for its other users."""
    scope = (
        Institution.objects.all()
        if user.is_administration
        else Institution.objects.filter(pk__in=institution_ids(user))
    )
    institution = scope.filter(pk=pk).first()
    if institution is None:
        raise Http404
    require(can_export_institution_log(user, institution))
    return institution


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


def updatable_task_ids(user, tasks, *, case=None, meeting=None) -> set[int]:
    """The open tasks among `tasks` whose status the user may enter (same check as the task_status view)."""
    ids = set()
    for task in tasks:
        # The page has loaded the case or meeting already; the check reads it from there.
        if case is not None and task.case_id == case.pk:
            task.case = case
        if meeting is not None and task.meeting_id == meeting.pk:
            task.meeting = meeting
        if task.is_open and can_update_task(user, task):
            ids.add(task.pk)
    return ids


def can_update_task(user, task) -> Verdict:
    """The responsible person, Fachkraft or Koordination of the responsible institution, or the protocol's editors."""
    if task.case_id is not None and task.case.is_closed:
        return denied(_("Der Fall ist abgeschlossen; seine Aufgaben können nicht mehr geändert werden."))
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


# Anlagen of Sitzungen and cases ---------------------------------------------------------------


def can_add_meeting_attachment(user, meeting) -> Verdict:
    """Partners' members add material to a Sitzung (also after its protocol is final)."""
    if is_partner_user(user, meeting.agreement):
        return ALLOWED
    return denied(_("Anlagen einer Sitzung fügen die Mitglieder der Partnerinstitutionen hinzu."))


def can_remove_meeting_attachment(user, attachment) -> Verdict:
    if attachment.is_removed:
        return denied(_("Diese Anlage ist bereits entfernt."))
    if attachment.uploaded_by_id == user.pk or is_partner_coordinator(user, attachment.meeting.agreement):
        return ALLOWED
    return denied(_("Eine Anlage entfernt, wer sie hochgeladen hat, oder die Koordination einer Partnerinstitution."))


def can_remove_case_attachment(user, attachment) -> Verdict:
    """Like every change of case data: Fachkraft or Koordination on the team, while the case is open."""
    if attachment.is_removed:
        return denied(_("Diese Anlage ist bereits entfernt."))
    return can_edit_case(user, attachment.case)
