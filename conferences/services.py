"""State-changing operations on cases, consents, conferences, meetings and tasks.

Each validates, writes atomically, logs, and raises a DomainError with a German message.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agreements import permissions as agreement_perms
from agreements.models import Agreement, Status
from conferences import permissions as perms
from conferences.models import (
    Addendum,
    AttendanceStatus,
    Case,
    CaseInstitution,
    Conference,
    Consent,
    CriterionCheck,
    FamilyParticipant,
    Meeting,
    StaffParticipant,
    Task,
    TaskStatus,
)
from kooperation.core.concurrency import claim_version
from kooperation.core.errors import DomainError
from kooperation.core.mail import notify
from kooperation.network import permissions as network_perms
from kooperation.network.models import Institution, Membership, Role, User

logger = logging.getLogger(__name__)

CASE_STATUSES = (
    Status.ENTWURF,
    Status.IN_ERARBEITUNG,
    Status.IN_ABSTIMMUNG,
    Status.ZUR_UNTERZEICHNUNG,
    Status.IN_KRAFT,
    Status.UEBERPRUEFUNG_FAELLIG,
)
REMINDER_DAYS = 3


# Cases ---------------------------------------------------------------------------------------


def case_agreements(user):
    """Agreements in force or in preparation under which the user may open a case."""
    return Agreement.objects.filter(
        status__in=CASE_STATUSES, partners__institution_id__in=perms.case_editor_institution_ids(user)
    ).distinct()


def _next_code(year: int) -> str:
    prefix = f"F-{year}-"
    codes = Case.objects.filter(code__startswith=prefix).values_list("code", flat=True)
    numbers = [int(code[len(prefix) :]) for code in codes if code[len(prefix) :].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"


@transaction.atomic
def create_case(user, *, agreement: Agreement, owner_institution: Institution, note: str = "") -> Case:
    """Open a case under an agreement; the owning institution takes part from the start."""
    if agreement.status not in CASE_STATUSES:
        raise DomainError(_("Unter einer beendeten Vereinbarung können keine Fälle mehr angelegt werden."))
    if owner_institution.pk not in agreement_perms.partner_institution_ids(agreement):
        raise DomainError(_("Die fallführende Institution muss Partner der Vereinbarung sein."))
    if owner_institution.pk not in perms.case_editor_institution_ids(user):
        raise DomainError(
            _("Sie können Fälle nur für eine Institution anlegen, in der Sie Fachkraft oder Koordination sind.")
        )
    year = timezone.localdate().year
    for _attempt in range(5):
        try:
            # A savepoint: a concurrent case may take the same number first; then take the next one.
            with transaction.atomic():
                case = Case.objects.create(
                    code=_next_code(year),
                    agreement=agreement,
                    owner_institution=owner_institution,
                    note=note,
                    created_by=user,
                )
            break
        except IntegrityError:
            continue
    else:
        raise DomainError(_("Die Fallkennung konnte nicht vergeben werden. Bitte versuchen Sie es erneut."))
    CaseInstitution.objects.create(case=case, institution=owner_institution, added_by=user)
    logger.info("case %s opened by user %s", case.pk, user.pk)
    return case


@transaction.atomic
def set_case_institutions(user, case: Case, institutions, expected_version: int) -> tuple[list, list]:
    """Add and remove participating institutions; only those covered by a valid consent may join."""
    claim_version(case, expected_version)
    case._covered_institution_ids = None
    case._case_institution_ids = None
    perms.with_case_access(case)
    wanted = {i.pk: i for i in institutions}
    wanted.setdefault(case.owner_institution_id, case.owner_institution)
    partners = agreement_perms.partner_institution_ids(case.agreement)
    covered = perms.consent_covered_institution_ids(case)
    current = {p.institution_id: p for p in case.participations.all()}
    added = [i for pk, i in wanted.items() if pk not in current]
    removed = [p for pk, p in current.items() if pk not in wanted]
    for institution in added:
        if institution.pk not in partners:
            raise DomainError(
                _("„%(name)s“ ist nicht Partner der Vereinbarung dieses Falls.") % {"name": institution.name}
            )
        if institution.pk not in covered:
            raise DomainError(
                _("Für „%(name)s“ liegt keine gültige Einwilligung vor; sie kann nicht beteiligt werden.")
                % {"name": institution.name}
            )
    busy = set(
        Task.objects.filter(
            case=case, status=TaskStatus.OFFEN, responsible_institution_id__in=[p.institution_id for p in removed]
        ).values_list("responsible_institution_id", flat=True)
    )
    if busy:
        names = ", ".join(f"„{p.institution.name}“" for p in removed if p.institution_id in busy)
        raise DomainError(
            _("%(names)s hat noch offene Aufgaben in diesem Fall und kann nicht herausgenommen werden.")
            % {"names": names}
        )
    for participation in removed:
        participation.delete()
    for institution in added:
        CaseInstitution.objects.create(case=case, institution=institution, added_by=user)
    case._case_institution_ids = None
    logger.info("case %s institutions changed by user %s", case.pk, user.pk)
    return [p.institution for p in removed], added


@transaction.atomic
def record_consent(
    user,
    case: Case,
    *,
    given_by: str,
    given_on: date,
    valid_until: date,
    institutions,
    information: list[str],
    scope_note: str = "",
    document=None,
) -> Consent:
    """Record a declared consent with its scope (institutions and kinds of information)."""
    partners = agreement_perms.partner_institution_ids(case.agreement)
    strangers = [i.name for i in institutions if i.pk not in partners]
    if strangers:
        raise DomainError(_("Eine Einwilligung kann nur Partner der Vereinbarung umfassen."))
    if valid_until < given_on:
        raise DomainError(_("Das Ende der Gültigkeit muss nach der Erklärung liegen."))
    consent = Consent.objects.create(
        case=case,
        given_by=given_by,
        given_on=given_on,
        valid_until=valid_until,
        information=list(information),
        scope_note=scope_note,
        document=document or "",
        recorded_by=user,
    )
    consent.institutions.set(institutions)
    logger.info("consent %s recorded for case %s by user %s", consent.pk, case.pk, user.pk)
    return consent


@transaction.atomic
def revoke_consent(user, consent: Consent, revoked_on: date) -> Consent:
    """Record a revocation; existing protocols stay archived, new ones are blocked."""
    locked = Consent.objects.select_for_update().get(pk=consent.pk)
    if locked.revoked_on is not None:
        raise DomainError(
            _("Diese Einwilligung wurde bereits am %(date)s widerrufen.")
            % {"date": formats.date_format(locked.revoked_on, "d.m.Y")}
        )
    if revoked_on < locked.given_on:
        raise DomainError(_("Der Widerruf kann nicht vor der Erklärung liegen."))
    if revoked_on > timezone.localdate():
        raise DomainError(_("Der Widerruf kann nicht in der Zukunft liegen."))
    locked.revoked_on = revoked_on
    locked.revocation_recorded_by = user
    locked.revocation_recorded_at = timezone.now()
    locked.save(update_fields=["revoked_on", "revocation_recorded_by", "revocation_recorded_at"])
    logger.info("consent %s revoked by user %s", locked.pk, user.pk)
    return locked


# Conferences ---------------------------------------------------------------------------------


def case_staff(case: Case):
    """Active users of the institutions with access to the case (to invite, moderate, take tasks)."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__institution_id__in=perms.case_access_institution_ids(case),
            memberships__institution__is_active=True,
        )
        .distinct()
        .order_by("last_name", "first_name", "email")
    )


@transaction.atomic
def plan_conference(user, case: Case, *, invited, invited_family, **fields) -> Conference:
    """Plan a Hilfekonferenz: its checklist of Basiskriterien, the invited, and a link for each of them."""
    decision = perms.can_document_conference(user, case)
    if not decision:
        raise DomainError(decision.reason)
    conference = Conference.objects.create(case=case, invited_family=list(invited_family), created_by=user, **fields)
    prepare_protocol(conference, invited, invited_family)
    notify(
        invited,
        gettext_lazy("Einladung zu einer Hilfekonferenz"),
        _("Sie sind zu einer Hilfekonferenz eingeladen. Termin, Ort und die Kalenderdatei finden Sie hier:"),
        conference.get_absolute_url(),
        case_data=True,
    )
    logger.info("conference %s planned for case %s by user %s", conference.pk, case.pk, user.pk)
    return conference


def prepare_protocol(conference: Conference, invited, invited_family) -> None:
    """Invite, and open the protocol: a check row per Basiskriterium of the agreement, the invited as rows."""
    conference.invited.set(invited)
    CriterionCheck.objects.bulk_create(
        [
            CriterionCheck(conference=conference, criterion=criterion, text=criterion.text, position=i)
            for i, criterion in enumerate(conference.case.agreement.criteria.all())
        ]
    )
    _add_invited_rows(conference, invited, invited_family)


def _add_invited_rows(conference: Conference, invited, invited_family) -> None:
    """Prefill the protocol's participants with the invited (the protocol marks who took part)."""
    staff = list(conference.staff.all())
    known = {p.user_id for p in staff}
    access = perms.case_access_institution_ids(conference.case)
    position = len(staff)
    memberships = {}
    for membership in (
        Membership.objects.filter(user__in=invited, institution_id__in=access)
        .order_by("institution__name")
        .select_related("institution")
    ):
        memberships.setdefault(membership.user_id, membership.institution)
    for person in invited:
        if person.pk in known or person.pk not in memberships:
            continue
        StaffParticipant.objects.create(
            conference=conference, institution=memberships[person.pk], user=person, position=position
        )
        position += 1
    roles = {p.role for p in conference.family.all()}
    for offset, role in enumerate(r for r in invited_family if r not in roles):
        FamilyParticipant.objects.create(conference=conference, role=role, position=len(roles) + offset)


@transaction.atomic
def replan_conference(user, form) -> Conference:
    """Save a changed plan (conflict-checked) and add newly invited people to the participants."""
    conference = form.save()
    _add_invited_rows(conference, list(conference.invited.all()), conference.invited_family)
    return conference


def conference_missing(conference: Conference) -> list[str]:
    """What the protocol still lacks before it can be finalised (reads prefetched rows)."""
    reasons = []
    if conference.date > timezone.localdate():
        reasons.append(
            _("Die Hilfekonferenz findet erst am %(date)s statt.")
            % {"date": formats.date_format(conference.date, "d.m.Y")}
        )
    if not any(p.present for p in conference.staff.all()):
        reasons.append(_("Es ist noch keine teilnehmende Fachkraft eingetragen."))
    if not conference.family.all():
        reasons.append(_("Es fehlt, welche Familienmitglieder eingeladen waren und ob sie teilgenommen haben."))
    for field in ("situation", "needs_parents", "needs_child"):
        if not getattr(conference, field).strip():
            label = Conference._meta.get_field(field).verbose_name
            reasons.append(_("Das Feld „%(field)s“ ist noch leer.") % {"field": label})
    unrated = [str(check.position + 1) for check in conference.checks.all() if not check.rating]
    if unrated:
        reasons.append(_("Noch nicht geprüfte Basiskriterien: %(numbers)s.") % {"numbers": ", ".join(unrated)})
    return reasons


def finalise_check(user, conference: Conference) -> perms.Verdict:
    """May the user finalise the protocol now, and if not, why."""
    decision = perms.can_edit_conference(user, conference)
    if not decision:
        return decision
    missing = conference_missing(conference)
    return perms.denied(" ".join(missing)) if missing else perms.ALLOWED


PROTOCOL_ROWS = (
    "invited",
    "family",
    "checks",
    "staff__institution",
    "staff__user",
    "tasks__responsible_institution",
    "tasks__responsible_user",
    "addenda__created_by",
)
MINUTES_ROWS = (
    "items",
    "attendance__institution",
    "tasks__responsible_institution",
    "tasks__responsible_user",
    "addenda__created_by",
)


def with_protocol(queryset):
    """Prefetch every row of the protocol."""
    return queryset.prefetch_related(*PROTOCOL_ROWS)


def finalise_conference(user, conference: Conference) -> Conference:
    """Make the Ergebnisprotokoll read-only and send every participant a link to it."""
    with transaction.atomic():
        locked = with_protocol(
            Conference.objects.select_for_update(of=("self",)).select_related("case__agreement", "moderator")
        ).get(pk=conference.pk)
        perms.with_case_access(locked.case)
        decision = finalise_check(user, locked)
        if not decision:
            raise DomainError(decision.reason)
        locked.finalised_at = timezone.now()
        locked.finalised_by = user
        locked.version += 1
        locked.save(update_fields=["finalised_at", "finalised_by", "version", "updated_at"])
        recipients = {p.user for p in locked.staff.all() if p.user_id} | set(locked.invited.all())
        if locked.moderator:
            recipients.add(locked.moderator)
        notify(
            _with_access(recipients, perms.case_access_institution_ids(locked.case)),
            gettext_lazy("Ergebnisprotokoll einer Hilfekonferenz"),
            _("Das Ergebnisprotokoll einer Hilfekonferenz, an der Sie beteiligt sind, steht bereit:"),
            locked.get_absolute_url(),
            case_data=True,
        )
    logger.info("conference %s finalised by user %s", locked.pk, user.pk)
    return locked


def _with_access(users, institution_ids: set[int]) -> list:
    ids = [u.pk for u in users]
    return list(
        User.objects.filter(pk__in=ids, is_active=True, memberships__institution_id__in=institution_ids).distinct()
    )


@transaction.atomic
def add_addendum(user, *, text: str, conference: Conference | None = None, meeting: Meeting | None = None):
    """Add a dated Nachtrag to a finalised protocol."""
    target = conference or meeting
    model = type(target)
    locked = model.objects.select_for_update().get(pk=target.pk)
    if locked.finalised_at is None:
        raise DomainError(_("Nachträge gibt es erst, wenn das Protokoll abgeschlossen ist."))
    if not text.strip():
        raise DomainError(_("Bitte geben Sie den Text des Nachtrags ein."))
    return Addendum.objects.create(conference=conference, meeting=meeting, text=text.strip(), created_by=user)


# Meetings ------------------------------------------------------------------------------------


def meeting_agreements(user):
    """Agreements for which the user (Koordination of a partner) may record a Sitzung."""
    return (
        Agreement.objects.filter(partners__institution_id__in=network_perms.institution_ids(user, Role.KOORDINATION))
        .exclude(status=Status.BEENDET)
        .distinct()
    )


def meeting_missing(meeting: Meeting) -> list[str]:
    reasons = []
    if meeting.date > timezone.localdate():
        reasons.append(
            _("Die Sitzung findet erst am %(date)s statt.") % {"date": formats.date_format(meeting.date, "d.m.Y")}
        )
    if not meeting.items.all():
        reasons.append(_("Die Tagesordnung ist noch leer."))
    if not any(a.status == AttendanceStatus.ANWESEND for a in meeting.attendance.all()):
        reasons.append(_("Es ist noch niemand als anwesend eingetragen."))
    return reasons


def meeting_finalise_check(user, meeting: Meeting) -> perms.Verdict:
    decision = perms.can_edit_meeting(user, meeting)
    if not decision:
        return decision
    missing = meeting_missing(meeting)
    return perms.denied(" ".join(missing)) if missing else perms.ALLOWED


def with_minutes(queryset):
    return queryset.prefetch_related(*MINUTES_ROWS)


def finalise_meeting(user, meeting: Meeting) -> Meeting:
    """Make the minutes read-only and tell the attendees with an account where to find them."""
    with transaction.atomic():
        locked = with_minutes(
            Meeting.objects.select_for_update(of=("self",)).select_related("agreement", "recorder")
        ).get(pk=meeting.pk)
        decision = meeting_finalise_check(user, locked)
        if not decision:
            raise DomainError(decision.reason)
        locked.finalised_at = timezone.now()
        locked.finalised_by = user
        locked.version += 1
        locked.save(update_fields=["finalised_at", "finalised_by", "version", "updated_at"])
        notify(
            [locked.recorder],
            gettext_lazy("Sitzungsprotokoll abgeschlossen"),
            _("Das Protokoll einer Sitzung wurde abgeschlossen:"),
            locked.get_absolute_url(),
            case_data=True,
        )
    logger.info("meeting %s finalised by user %s", locked.pk, user.pk)
    return locked


# Tasks ---------------------------------------------------------------------------------------


@transaction.atomic
def set_task_status(user, task: Task, *, status: str, note: str, expected_version: int) -> Task:
    """Mark a task done (or no longer needed) with a note; a concurrent change raises ConflictError."""
    if status not in (TaskStatus.ERLEDIGT, TaskStatus.ENTFALLEN, TaskStatus.OFFEN):
        raise DomainError(_("Diesen Status gibt es nicht."))
    claim_version(task, expected_version)
    task.status = status
    task.status_note = note.strip()
    task.status_changed_at = timezone.now()
    task.status_changed_by = user
    task.save(update_fields=["status", "status_note", "status_changed_at", "status_changed_by", "version"])
    logger.info("task %s set to %s by user %s", task.pk, status, user.pk)
    return task


def send_task_reminders(today: date | None = None, dry_run: bool = False) -> int:
    """E-mail everyone with open tasks due within REMINDER_DAYS or overdue, once a day; return the mails."""
    today = today or timezone.localdate()
    due = list(
        Task.objects.filter(status=TaskStatus.OFFEN, due_on__lte=today + timedelta(days=REMINDER_DAYS))
        .filter(Q(reminded_on__isnull=True) | Q(reminded_on__lt=today))
        .select_related("responsible_user")
    )
    if not due:
        return 0
    institution_staff: dict[int, list] = {}
    for membership in Membership.objects.filter(
        institution_id__in={t.responsible_institution_id for t in due},
        role__in=(Role.FACHKRAFT, Role.KOORDINATION),
        user__is_active=True,
    ).select_related("user"):
        institution_staff.setdefault(membership.institution_id, []).append(membership.user)
    people: dict[int, User] = {}
    tasks_of: dict[int, list[Task]] = {}
    for task in due:
        responsible = (
            [task.responsible_user]
            if task.responsible_user_id
            else institution_staff.get(task.responsible_institution_id, [])
        )
        for person in responsible:
            people[person.pk] = person
            tasks_of.setdefault(person.pk, []).append(task)
    sent = 0
    with transaction.atomic(), translation.override("de"):
        for pk, person in people.items():
            # Only what the person may see now: a revoked consent hides the case.
            visible = set(
                Task.objects.visible_to(person).filter(pk__in=[t.pk for t in tasks_of[pk]]).values_list("pk", flat=True)
            )
            mine = [t for t in tasks_of[pk] if t.pk in visible]
            if not mine:
                continue
            message = _(
                "In Kooperation warten Aufgaben auf Sie: %(soon)d bald fällig, %(overdue)d überfällig. "
                "Ihre Aufgaben finden Sie hier:"
            ) % {
                "soon": sum(1 for t in mine if t.due_on >= today),
                "overdue": sum(1 for t in mine if t.due_on < today),
            }
            if dry_run:
                sent += 1
            else:
                sent += notify(
                    [person], gettext_lazy("Erinnerung an Ihre Aufgaben"), message, reverse("my_tasks"), case_data=True
                )
        if not dry_run:
            Task.objects.filter(pk__in=[t.pk for t in due]).update(reminded_on=today)
    return sent
