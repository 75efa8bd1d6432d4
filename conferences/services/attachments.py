"""Anlagen of Sitzungen and cases: add checked files, remove them with a reason."""

from __future__ import annotations

import logging

from django.db import transaction

from conferences import permissions as perms
from conferences.models import CaseAttachment, MeetingAttachment
from kooperation.core import attachments
from kooperation.core.errors import DomainError

logger = logging.getLogger(__name__)


def _require(verdict) -> None:
    if not verdict:
        raise DomainError(verdict.reason)


@transaction.atomic
def add_meeting_attachment(user, meeting, *, data: bytes, kind, name: str, description: str) -> MeetingAttachment:
    _require(perms.can_add_meeting_attachment(user, meeting))
    attachment = MeetingAttachment(meeting=meeting)
    attachments.fill(attachment, data=data, kind=kind, name=name, description=description, user=user)
    attachment.save()
    logger.info("attachment %s added to meeting %s by user %s", attachment.pk, meeting.pk, user.pk)
    return attachment


@transaction.atomic
def remove_meeting_attachment(user, attachment: MeetingAttachment, reason: str) -> MeetingAttachment:
    locked = MeetingAttachment.objects.select_for_update().select_related("meeting__agreement").get(pk=attachment.pk)
    _require(perms.can_remove_meeting_attachment(user, locked))
    return attachments.remove(locked, user, reason)


@transaction.atomic
def add_case_attachment(user, case, *, data: bytes, kind, name: str, description: str) -> CaseAttachment:
    _require(perms.can_edit_case(user, case))
    attachment = CaseAttachment(case=case)
    attachments.fill(attachment, data=data, kind=kind, name=name, description=description, user=user)
    attachment.save()
    logger.info("attachment %s added to case %s by user %s", attachment.pk, case.pk, user.pk)
    return attachment


@transaction.atomic
def remove_case_attachment(user, attachment: CaseAttachment, reason: str) -> CaseAttachment:
    locked = CaseAttachment.objects.select_for_update().get(pk=attachment.pk)
    locked.case = attachment.case  # the loaded case carries the prefetched team the check reads
    _require(perms.can_remove_case_attachment(user, locked))
    return attachments.remove(locked, user, reason)
