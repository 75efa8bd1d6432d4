"""The calendar file (iCalendar, RFC 5545) of a planned Hilfekonferenz: code, time, place and a link only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from conferences.models import Conference
from kooperation.network.services import absolute_url

DEFAULT_DURATION = timedelta(minutes=90)


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n").replace("\n", "\\n")
    )


def _quoted(text: str) -> str:
    """A parameter value: double quotes around it, none inside (RFC 5545 has no escape for them)."""
    return '"' + text.replace('"', "'") + '"'


def _fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character."""
    parts, current = [], b""
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > (75 if not parts else 74):
            parts.append(current.decode("utf-8"))
            current = b""
        current += encoded
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def conference_calendar(conference: Conference) -> str:
    """One VEVENT; the description holds the link, never case content."""
    zone = timezone.get_default_timezone()
    start = timezone.make_aware(datetime.combine(conference.date, conference.start_time), zone)
    end = (
        timezone.make_aware(datetime.combine(conference.date, conference.end_time), zone)
        if conference.end_time
        else start + DEFAULT_DURATION
    )
    link = absolute_url(conference.get_absolute_url())
    host = urlsplit(settings.SITE_URL).hostname or "kooperation"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Kooperation//Hilfekonferenz//DE",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:hilfekonferenz-{conference.pk}@{host}",
        f"DTSTAMP:{_utc(timezone.now())}",
        f"DTSTART:{_utc(start)}",
        f"DTEND:{_utc(end)}",
        f"SEQUENCE:{conference.version}",
        "SUMMARY:" + _escape(_("Hilfekonferenz %(code)s") % {"code": conference.case.code}),
        "LOCATION:" + _escape(conference.place),
        "DESCRIPTION:" + _escape(_("Einzelheiten nach Anmeldung in Kooperation: %(link)s") % {"link": link}),
        f"URL:{link}",
        *(
            f"ATTENDEE;CN={_quoted(str(person))};ROLE=REQ-PARTICIPANT:mailto:{person.email}"
            for person in conference.invited.all()
            if person.email
        ),
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
