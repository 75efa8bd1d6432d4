"""The calendar file (iCalendar, RFC 5545) of a planned Hilfekonferenz: code, time, place and a link only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText

from conferences.models import Conference
from kooperation.core.mail import absolute_url

DEFAULT_DURATION = timedelta(minutes=90)


def conference_calendar(conference: Conference) -> str:
    """Return one VEVENT whose description holds the link, never case content."""
    zone = timezone.get_default_timezone()
    start = timezone.make_aware(datetime.combine(conference.date, conference.start_time), zone)
    end = (
        timezone.make_aware(datetime.combine(conference.date, conference.end_time), zone)
        if conference.end_time
        else start + DEFAULT_DURATION
    )
    link = absolute_url(conference.get_absolute_url())
    host = urlsplit(settings.SITE_URL).hostname or "kooperation"

    calendar = Calendar()
    calendar.add("prodid", "-//Kooperation//Hilfekonferenz//DE")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"hilfekonferenz-{conference.pk}@{host}")
    event.add("dtstamp", timezone.now())
    # UTC times need no VTIMEZONE block, which older calendar clients read unreliably.
    event.add("dtstart", start.astimezone(UTC))
    event.add("dtend", end.astimezone(UTC))
    event.add("sequence", conference.version)
    event.add("summary", _("Hilfekonferenz %(code)s") % {"code": conference.case.code})
    event.add("location", conference.place)
    event.add("description", _("Einzelheiten nach Anmeldung in Kooperation: %(link)s") % {"link": link})
    event.add("url", link)
    for person in conference.invited.all():
        if person.email:
            attendee = vCalAddress(f"mailto:{person.email}")
            attendee.params["cn"] = vText(str(person))
            attendee.params["role"] = vText("REQ-PARTICIPANT")
            event.add("attendee", attendee, encode=0)
    calendar.add_component(event)
    return calendar.to_ical().decode("utf-8")
