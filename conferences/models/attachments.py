"""Anlagen of a Sitzung and of a case (e.g. a signed consent form); case attachments are case data."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kooperation.core.attachments import Attachment


class MeetingAttachment(Attachment):
    meeting = models.ForeignKey("conferences.Meeting", on_delete=models.CASCADE, related_name="attachments")

    class Meta(Attachment.Meta):
        verbose_name = _("Anlage der Sitzung")
        verbose_name_plural = _("Anlagen der Sitzung")

    def get_additional_data(self) -> dict:
        return {"agreement_id": self.meeting.agreement_id, "meeting_id": self.meeting_id}


class CaseAttachment(Attachment):
    case = models.ForeignKey("conferences.Case", on_delete=models.CASCADE, related_name="attachments")

    class Meta(Attachment.Meta):
        verbose_name = _("Anlage des Falls")
        verbose_name_plural = _("Anlagen des Falls")

    def __str__(self) -> str:
        # The access log names the object: a file name may carry social data, the number does not.
        return f"Anlage {self.pk}"

    def get_additional_data(self) -> dict:
        return {"case_id": self.case_id}
