"""Sitzungen: invite the body with a calendar file, finalise the minutes and tell those who were invited."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agreements.models import BoardMember, PrepGroupSeat
from conferences import permissions as perms
from conferences.ics import meeting_attachment
from conferences.models import Body, Meeting
from conferences.queries.protocols import meeting_finalise_check, with_minutes
from kooperation.core.errors import DomainError
from kooperation.core.mail import NotificationKind, notify
from kooperation.network.models import User

logger = logging.getLogger(__name__)


def body_members(meeting: Meeting) -> list:
    """The people a Sitzung is for: the Untergruppe's members, the Vorbereitungsgruppe, or the Gremium."""
    if meeting.body == Body.UNTERGRUPPE:
        users = User.objects.filter(subgroups=meeting.subgroup_id) if meeting.subgroup_id else User.objects.none()
    elif meeting.body == Body.VORBEREITUNGSGRUPPE:
        users = User.objects.filter(pk__in=PrepGroupSeat.objects.filter(agreement=meeting.agreement_id).values("user"))
    else:
        users = User.objects.filter(pk__in=BoardMember.objects.filter(agreement=meeting.agreement_id).values("user"))
    return list(users.filter(is_active=True).order_by("last_name", "first_name", "pk"))


def invite_to_meeting(user, meeting: Meeting) -> list:
    """Send the body's members (and the Protokollführung) an invitation with the calendar file attached."""
    with transaction.atomic():
        locked = (
            Meeting.objects.select_for_update(of=("self",))
            .select_related("agreement", "recorder", "subgroup", "quality_dialogue")
            .get(pk=meeting.pk)
        )
        decision = perms.can_edit_meeting(user, locked)
        if not decision:
            raise DomainError(decision.reason)
        invitees = body_members(locked)
        if locked.recorder not in invitees:
            invitees.append(locked.recorder)
        locked.invited.add(*invitees)
        locked.invited_at = timezone.now()
        locked.save(update_fields=["invited_at"])
        sent = notify(
            invitees,
            gettext_lazy("Einladung zu einer Sitzung"),
            _("Sie sind zur Sitzung „%(meeting)s“ eingeladen. Die Kalenderdatei ist angehängt; Einzelheiten hier:")
            % {"meeting": str(locked)},
            locked.get_absolute_url(),
            attachments=[meeting_attachment(locked)],
            kind=NotificationKind.CONFERENCE,
        )
    logger.info("meeting %s: %d invitations sent by user %s", locked.pk, sent, user.pk)
    return invitees


def finalise_meeting(user, meeting: Meeting) -> Meeting:
    """Make the minutes read-only and tell the invited and the Protokollführung where to find them."""
    with transaction.atomic():
        locked = with_minutes(
            Meeting.objects.select_for_update(of=("self",)).select_related(
                "agreement", "recorder", "subgroup", "quality_dialogue"
            )
        ).get(pk=meeting.pk)
        decision = meeting_finalise_check(user, locked)
        if not decision:
            raise DomainError(decision.reason)
        locked.finalised_at = timezone.now()
        locked.finalised_by = user
        locked.version += 1
        locked.save(update_fields=["finalised_at", "finalised_by", "version", "updated_at"])
        notify(
            [locked.recorder, *locked.invited.all()],
            gettext_lazy("Sitzungsprotokoll abgeschlossen"),
            _("Das Protokoll der Sitzung „%(meeting)s“ ist abgeschlossen und steht bereit:") % {"meeting": str(locked)},
            locked.get_absolute_url(),
            kind=NotificationKind.CONFERENCE,
        )
    logger.info("meeting %s finalised by user %s", locked.pk, user.pk)
    return locked
