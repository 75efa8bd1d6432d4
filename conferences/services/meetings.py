"""Sitzungen: finalise the minutes."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from conferences.models import Meeting
from conferences.queries.protocols import meeting_finalise_check, with_minutes
from kooperation.core.errors import DomainError
from kooperation.core.mail import NotificationKind, notify

logger = logging.getLogger(__name__)


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
            kind=NotificationKind.CONFERENCE,
        )
    logger.info("meeting %s finalised by user %s", locked.pk, user.pk)
    return locked
