"""Calendar files (iCalendar, RFC 5545) of a Hilfekonferenz or a Sitzung: code or body, time, place and a link only."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText

from conferences.models import Conference, Meeting
from kooperation.core.mail import absolute_url

DEFAULT_DURATION = timedelta(minutes=90)
MIMETYPE = "text/calendar"


def _calendar(
    *,
    uid: str,
    product: str,
    summary: str,
    day: date,
    start: time,
    end: time | None,
    place: str,
    path: str,
    sequence: int,
    attendees,
) -> str:
    """One VEVENT whose description holds the link, never protocol or case content."""
    zone = timezone.get_default_timezone()
    begins = timezone.make_aware(datetime.combine(day, start), zone)
    ends = timezone.make_aware(datetime.combine(day, end), zone) if end else begins + DEFAULT_DURATION
    link = absolute_url(path)
    host = urlsplit(settings.SITE_URL).hostname or "kooperation"

    calendar = Calendar()
    calendar.add("prodid", f"-//Kooperation//{product}//DE")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"{uid}@{host}")
    event.add("dtstamp", timezone.now())
    # UTC times need no VTIMEZONE block, which older calendar clients read unreliably.
    event.add("dtstart", begins.astimezone(UTC))
    event.add("dtend", ends.astimezone(UTC))
    event.add("sequence", sequence)
    event.add("summary", summary)
    event.add("location", place)
    event.add("description", _("Einzelheiten nach Anmeldung in Kooperation: %(link)s") % {"link": link})
    event.add("url", link)
    for person in attendees:
        if person.email:
            attendee = vCalAddress(f"mailto:{person.email}")
            attendee.params["cn"] = vText(str(person))
            attendee.params["role"] = vText("REQ-PARTICIPANT")
            event.add("attendee", attendee, encode=0)
    calendar.add_component(event)
    return calendar.to_ical().decode("utf-8")


def conference_calendar(conference: Conference) -> str:
    """The planned Hilfekonferenz, named by the case code only."""
    return _calendar(
        uid=f"hilfekonferenz-{conference.pk}",
        product="Hilfekonferenz",
        summary=_("Hilfekonferenz %(code)s") % {"code": conference.case.code},
        day=conference.date,
        start=conference.start_time,
        end=conference.end_time,
        place=conference.place,
        path=conference.get_absolute_url(),
        sequence=conference.version,
        attendees=conference.invited.all(),
    )


def conference_attachment(conference: Conference) -> tuple[str, str, str]:
    """The calendar file as a mail attachment (filename, content, mimetype)."""
    return (f"Hilfekonferenz-{conference.case.code}.ics", conference_calendar(conference), MIMETYPE)


def meeting_calendar(meeting: Meeting) -> str:
    """A Sitzung of the Vorbereitungsgruppe, the Gremium, an Untergruppe or the quality dialogue."""
    return _calendar(
        uid=f"sitzung-{meeting.pk}",
        product="Sitzung",
        summary=_("Sitzung: %(body)s") % {"body": meeting.body_label},
        day=meeting.date,
        start=meeting.start_time,
        end=meeting.end_time,
        place=meeting.place,
        path=meeting.get_absolute_url(),
        sequence=meeting.version,
        attendees=meeting.invited.all(),
    )


def meeting_attachment(meeting: Meeting) -> tuple[str, str, str]:
    return (f"Sitzung-{meeting.date:%Y-%m-%d}.ics", meeting_calendar(meeting), MIMETYPE)
