"""The Ergebnisprotokoll of a Hilfekonferenz and the minutes of a Sitzung as PDF."""

from __future__ import annotations

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from conferences.models import Conference, Meeting
from kooperation.core.documents import PdfRenderer

PROTOCOL_STYLESHEETS = ("css/print-base.css", "css/print-protocol.css")


def _date(value) -> str:
    return formats.date_format(value, "d.m.Y")


class ConferenceProtocol(PdfRenderer):
    """The result protocol for all participants (seed 002: Ergebnisprotokolle für alle Beteiligten)."""

    template_name = "print/conference_protocol.html"
    stylesheets = PROTOCOL_STYLESHEETS

    def __init__(self, conference: Conference, release: dict):
        # Expects the protocol's rows prefetched (conferences.queries.protocols.PROTOCOL_ROWS).
        # `release` (conferences.permissions.protocol_release): which parts the reader's consent covers;
        # the others are left out with the reason, as on the page.
        self.conference = conference
        self.release = release

    def filename(self) -> str:
        return f"Ergebnisprotokoll-{self.conference.case.code}-{self.conference.date:%Y-%m-%d}.pdf"

    def metadata(self) -> dict:
        return {
            "title": _("Ergebnisprotokoll der Hilfekonferenz vom %(date)s") % {"date": _date(self.conference.date)},
            "author": self.conference.case.owner_institution.name,
            "subject": _("Fall %(code)s") % {"code": self.conference.case.code},
        }

    def get_context(self) -> dict:
        conference = self.conference
        state = _("abgeschlossen") if conference.is_final else _("Entwurf – nicht abgeschlossen")
        return {
            "conference": conference,
            "case": conference.case,
            "release": self.release,
            "printed_at": formats.date_format(timezone.localtime(), "d.m.Y H:i"),
            "running_title": _("Ergebnisprotokoll · Fall %(code)s") % {"code": conference.case.code},
            "running_revision": _("Hilfekonferenz vom %(date)s · %(state)s")
            % {"date": _date(conference.date), "state": state},
            "running_fingerprint": _("Vertraulich – Sozialdaten (SGB VIII §§ 61–65)"),
            "draft_mark": "" if conference.is_final else _("ENTWURF"),
        }


class CaseDisclosure(PdfRenderer):
    """Auskunft (Art. 15 DSGVO) for a case: what is stored, who read or changed it, which consents covered it."""

    template_name = "print/case_disclosure.html"
    stylesheets = PROTOCOL_STYLESHEETS

    def __init__(self, disclosure):
        self.disclosure = disclosure

    def filename(self) -> str:
        return f"Auskunft-{self.disclosure.case.code}-{timezone.localdate():%Y-%m-%d}.pdf"

    def metadata(self) -> dict:
        return {
            "title": _("Auskunft nach Art. 15 DSGVO – Fall %(code)s") % {"code": self.disclosure.case.code},
            "author": self.disclosure.case.owner_institution.name,
            "subject": _("Fall %(code)s") % {"code": self.disclosure.case.code},
        }

    def get_context(self) -> dict:
        case = self.disclosure.case
        return {
            "disclosure": self.disclosure,
            "case": case,
            "printed_at": formats.date_format(timezone.localtime(), "d.m.Y H:i"),
            "running_title": _("Auskunft nach Art. 15 DSGVO · Fall %(code)s") % {"code": case.code},
            "running_fingerprint": _("Vertraulich – Sozialdaten (SGB VIII §§ 61–65)"),
        }


class MeetingMinutes(PdfRenderer):
    """The minutes of a Sitzung: evidence for quality audits (seed 003: Protokolle von Sitzungen)."""

    template_name = "print/meeting_minutes.html"
    stylesheets = PROTOCOL_STYLESHEETS

    def __init__(self, meeting: Meeting):
        self.meeting = meeting

    def filename(self) -> str:
        return f"Sitzungsprotokoll-{self.meeting.body}-{self.meeting.date:%Y-%m-%d}-{self.meeting.pk}.pdf"

    def metadata(self) -> dict:
        return {
            "title": _("Protokoll: %(meeting)s") % {"meeting": self.meeting},
            "subject": self.meeting.agreement.title,
        }

    def get_context(self) -> dict:
        meeting = self.meeting
        state = _("abgeschlossen") if meeting.is_final else _("Entwurf – nicht abgeschlossen")
        return {
            "meeting": meeting,
            "printed_at": formats.date_format(timezone.localtime(), "d.m.Y H:i"),
            "running_title": _("Protokoll · %(meeting)s") % {"meeting": meeting},
            "running_revision": state,
            "running_fingerprint": meeting.agreement.title,
            "draft_mark": "" if meeting.is_final else _("ENTWURF"),
        }
