"""Hilfekonferenzen: plan, prepare the protocol, replan, finalise, and add addenda to protocols."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from conferences import access
from conferences import permissions as perms
from conferences.ics import conference_attachment
from conferences.models import Addendum, Case, Conference, CriterionCheck, FamilyParticipant, Meeting, StaffParticipant
from conferences.queries.choices import CLOSED_STATUSES
from conferences.queries.protocols import finalise_check, with_protocol
from kooperation.core.errors import DomainError
from kooperation.core.mail import NotificationKind, notify
from kooperation.network.models import Membership, User

logger = logging.getLogger(__name__)


@transaction.atomic
def plan_conference(user, case: Case, *, invited, invited_family, **fields) -> Conference:
    """Plan a Hilfekonferenz: its checklist of Basiskriterien, the invited, and a link for each of them."""
    if case.agreement.status in CLOSED_STATUSES:
        raise DomainError(
            _("Unter einer beendeten Vereinbarung (%(revision)s) wird keine Hilfekonferenz mehr geplant.")
            % {"revision": case.agreement.revision_label}
        )
    decision = perms.can_document_conference(user, case)
    if not decision:
        raise DomainError(decision.reason)
    conference = Conference.objects.create(case=case, invited_family=list(invited_family), created_by=user, **fields)
    prepare_protocol(conference, invited, invited_family)
    _invite(conference, invited)
    logger.info("conference %s planned for case %s by user %s", conference.pk, case.pk, user.pk)
    return conference


def _invite(conference: Conference, invited) -> None:
    """The invitation: a link, and the calendar file attached (code, time and place only)."""
    notify(
        invited,
        gettext_lazy("Einladung zu einer Hilfekonferenz"),
        _(
            "Sie sind zu einer Hilfekonferenz eingeladen. Die Kalenderdatei ist angehängt; "
            "Einzelheiten finden Sie hier:"
        ),
        conference.get_absolute_url(),
        case_data=True,
        attachments=[conference_attachment(conference)],
        kind=NotificationKind.CONFERENCE,
    )


def plan_next_conference(user, conference: Conference, invited) -> Conference | None:
    """The protocol's „nächster Termin“ becomes a planned Hilfekonferenz with the same people, time and place."""
    case = conference.case
    if (
        conference.next_date is None
        or case.is_closed
        or case.agreement.status in CLOSED_STATUSES
        or Conference.objects.filter(case=case, date=conference.next_date).exists()
    ):
        return None
    planned = Conference.objects.create(
        case=case,
        date=conference.next_date,
        start_time=conference.start_time,
        end_time=conference.end_time,
        place=conference.place,
        moderator=conference.moderator,
        invited_family=list(conference.invited_family),
        created_by=user,
    )
    prepare_protocol(planned, invited, conference.invited_family)
    _invite(planned, invited)
    logger.info("conference %s planned from the next date of conference %s", planned.pk, conference.pk)
    return planned


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


def finalise_conference(user, conference: Conference) -> Conference:
    """Make the Ergebnisprotokoll read-only and send every participant a link to it."""
    with transaction.atomic():
        locked = with_protocol(
            Conference.objects.select_for_update(of=("self",)).select_related("case__agreement", "moderator")
        ).get(pk=conference.pk)
        access.with_case_access(locked.case)
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
        recipients = _with_access(recipients, perms.case_access_institution_ids(locked.case))
        notify(
            recipients,
            gettext_lazy("Ergebnisprotokoll einer Hilfekonferenz"),
            _("Das Ergebnisprotokoll einer Hilfekonferenz, an der Sie beteiligt sind, steht bereit:"),
            locked.get_absolute_url(),
            case_data=True,
            kind=NotificationKind.CONFERENCE,
        )
        plan_next_conference(user, locked, recipients)
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
