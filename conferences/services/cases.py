"""Cases and consents: open a case, choose its institutions, record and revoke consents."""

from __future__ import annotations

import logging
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from agreements import permissions as agreement_perms
from agreements.models import Agreement
from conferences import access
from conferences import permissions as perms
from conferences.models import Case, CaseInstitution, CaseTeamMember, Consent, Task, TaskStatus
from conferences.queries.choices import CASE_STATUSES
from kooperation.core.concurrency import claim_version
from kooperation.core.errors import DomainError
from kooperation.network.models import Institution, Membership, User

logger = logging.getLogger(__name__)


def _next_code(year: int) -> str:
    prefix = f"F-{year}-"
    codes = Case.objects.filter(code__startswith=prefix).values_list("code", flat=True)
    numbers = [int(code[len(prefix) :]) for code in codes if code[len(prefix) :].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"


@transaction.atomic
def create_case(user, *, agreement: Agreement, owner_institution: Institution, note: str = "", team=()) -> Case:
    """Open a case under an agreement; the owning institution takes part, the opener and `team` form its team."""
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
    colleagues = {p.pk: p for p in [user, *team]}
    members = set(
        Membership.objects.filter(
            user_id__in=colleagues, institution=owner_institution, user__is_active=True
        ).values_list("user_id", flat=True)
    )
    strangers = [str(p) for pk, p in colleagues.items() if pk not in members]
    if strangers:
        raise DomainError(
            _("%(names)s gehört nicht zu „%(institution)s“ und kann nicht ins Fallteam.")
            % {"names": ", ".join(strangers), "institution": owner_institution.name}
        )
    CaseTeamMember.objects.bulk_create(
        [CaseTeamMember(case=case, user=p, institution=owner_institution, added_by=user) for p in colleagues.values()]
    )
    logger.info("case %s opened by user %s", case.pk, user.pk)
    return case


@transaction.atomic
def set_case_institutions(user, case: Case, institutions, expected_version: int) -> tuple[list, list]:
    """Add and remove participating institutions; only those covered by a valid consent may join."""
    claim_version(case, expected_version)
    case._covered_institution_ids = None
    case._case_institution_ids = None
    access.with_case_access(case)
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
        # Whoever worked on the case for an institution that leaves it leaves the team too.
        CaseTeamMember.objects.filter(case=case, institution_id=participation.institution_id).delete()
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


def team_candidates(case: Case):
    """Active staff of the institutions with access to the case who are not on its team yet."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__institution_id__in=perms.case_access_institution_ids(case),
            memberships__institution__is_active=True,
        )
        .exclude(case_team_memberships__case=case)
        .distinct()
        .order_by("last_name", "first_name", "email")
    )


@transaction.atomic
def add_team_member(user, case: Case, person: User) -> CaseTeamMember:
    """Put a colleague of an institution with access on the case team (who added whom when is kept)."""
    decision = perms.can_manage_case(user, case)
    if not decision:
        raise DomainError(decision.reason)
    access = perms.case_access_institution_ids(case)
    institution_ids = sorted(
        Membership.objects.filter(user=person, institution_id__in=access, institution__is_active=True).values_list(
            "institution_id", flat=True
        )
    )
    if not institution_ids or not person.is_active:
        raise DomainError(
            _("%(name)s arbeitet in keiner Institution, die an diesem Fall beteiligt ist.") % {"name": person}
        )
    institution = case.owner_institution_id if case.owner_institution_id in institution_ids else institution_ids[0]
    member, created = CaseTeamMember.objects.get_or_create(
        case=case, user=person, defaults={"institution_id": institution, "added_by": user}
    )
    if not created:
        raise DomainError(_("%(name)s gehört bereits zum Fallteam.") % {"name": person})
    logger.info("user %s joined the team of case %s (added by user %s)", person.pk, case.pk, user.pk)
    return member


@transaction.atomic
def remove_team_member(user, case: Case, member_pk: int) -> None:
    decision = perms.can_manage_case(user, case)
    if not decision:
        raise DomainError(decision.reason)
    member = CaseTeamMember.objects.filter(case=case, pk=member_pk).first()
    if member is None:
        raise DomainError(_("Diese Person gehört nicht (mehr) zum Fallteam."))
    member.delete()
    logger.info("team member %s removed from case %s by user %s", member_pk, case.pk, user.pk)


@transaction.atomic
def close_case(user, case: Case, reason: str, expected_version: int) -> Case:
    """Abschluss: the case becomes read-only and its deletion period starts."""
    decision = perms.can_close_case(user, case)
    if not decision:
        raise DomainError(decision.reason)
    if not reason.strip():
        raise DomainError(_("Bitte geben Sie den Grund des Abschlusses an."))
    claim_version(case, expected_version)
    case.closed_at = timezone.now()
    case.closed_by = user
    case.closing_reason = reason.strip()
    case.save(update_fields=["closed_at", "closed_by", "closing_reason", "version", "updated_at"])
    logger.info("case %s closed by user %s", case.pk, user.pk)
    return case


@transaction.atomic
def set_legal_hold(user, case: Case, reason: str) -> Case:
    """Löschsperre: suspend deletion (e.g. a pending court case), with the reason."""
    decision = perms.can_manage_case(user, case)
    if not decision:
        raise DomainError(decision.reason)
    if not reason.strip():
        raise DomainError(_("Bitte geben Sie den Grund der Löschsperre an."))
    case.legal_hold_at = timezone.now()
    case.legal_hold_by = user
    case.legal_hold_reason = reason.strip()
    case.version += 1
    case.save(update_fields=["legal_hold_at", "legal_hold_by", "legal_hold_reason", "version", "updated_at"])
    logger.info("legal hold on case %s set by user %s", case.pk, user.pk)
    return case


@transaction.atomic
def lift_legal_hold(user, case: Case) -> Case:
    decision = perms.can_manage_case(user, case)
    if not decision:
        raise DomainError(decision.reason)
    if not case.on_legal_hold:
        raise DomainError(_("Für diesen Fall besteht keine Löschsperre."))
    case.legal_hold_at = None
    case.legal_hold_by = None
    case.legal_hold_reason = ""
    case.version += 1
    case.save(update_fields=["legal_hold_at", "legal_hold_by", "legal_hold_reason", "version", "updated_at"])
    logger.info("legal hold on case %s lifted by user %s", case.pk, user.pk)
    return case
