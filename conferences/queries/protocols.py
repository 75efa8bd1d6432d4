"""What a protocol still lacks before it can be finalised, and the rows it shows."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from conferences import permissions as perms
from conferences.models import Addendum, AttendanceStatus, Conference, Meeting, StaffParticipant, Task

# Rows with their institution and person joined in (one query per kind of row, not three).
PROTOCOL_ROWS = (
    "invited",
    "family",
    "checks",
    Prefetch("staff", queryset=StaffParticipant.objects.select_related("institution", "user")),
    Prefetch("tasks", queryset=Task.objects.select_related("responsible_institution", "responsible_user")),
    Prefetch("addenda", queryset=Addendum.objects.select_related("created_by")),
)
MINUTES_ROWS = (
    "items",
    "attendance__institution",
    "tasks__responsible_institution",
    "tasks__responsible_user",
    "addenda__created_by",
)


def with_protocol(queryset):
    """Prefetch every row of the protocol."""
    return queryset.prefetch_related(*PROTOCOL_ROWS)


def with_minutes(queryset):
    return queryset.prefetch_related(*MINUTES_ROWS)


def conference_missing(conference: Conference) -> list[str]:
    """What the protocol still lacks before it can be finalised (reads prefetched rows)."""
    reasons = []
    if conference.date > timezone.localdate():
        reasons.append(
            _("Die Hilfekonferenz findet erst am %(date)s statt.")
            % {"date": formats.date_format(conference.date, "d.m.Y")}
        )
    if not any(p.present for p in conference.staff.all()):
        reasons.append(_("Es ist noch keine teilnehmende Fachkraft eingetragen."))
    if not conference.family.all():
        reasons.append(_("Es fehlt, welche Familienmitglieder eingeladen waren und ob sie teilgenommen haben."))
    for field in ("situation", "needs_parents", "needs_child"):
        if not getattr(conference, field).strip():
            label = Conference._meta.get_field(field).verbose_name
            reasons.append(_("Das Feld „%(field)s“ ist noch leer.") % {"field": label})
    unrated = [str(check.position + 1) for check in conference.checks.all() if not check.rating]
    if unrated:
        reasons.append(_("Noch nicht geprüfte Basiskriterien: %(numbers)s.") % {"numbers": ", ".join(unrated)})
    return reasons


def finalise_check(user, conference: Conference) -> perms.Verdict:
    """May the user finalise the protocol now, and if not, why."""
    decision = perms.can_edit_conference(user, conference)
    if not decision:
        return decision
    missing = conference_missing(conference)
    return perms.denied(" ".join(missing)) if missing else perms.ALLOWED


def meeting_missing(meeting: Meeting) -> list[str]:
    reasons = []
    if meeting.date > timezone.localdate():
        reasons.append(
            _("Die Sitzung findet erst am %(date)s statt.") % {"date": formats.date_format(meeting.date, "d.m.Y")}
        )
    if not meeting.items.all():
        reasons.append(_("Die Tagesordnung ist noch leer."))
    if not any(a.status == AttendanceStatus.ANWESEND for a in meeting.attendance.all()):
        reasons.append(_("Es ist noch niemand als anwesend eingetragen."))
    return reasons


def meeting_finalise_check(user, meeting: Meeting) -> perms.Verdict:
    decision = perms.can_edit_meeting(user, meeting)
    if not decision:
        return decision
    missing = meeting_missing(meeting)
    return perms.denied(" ".join(missing)) if missing else perms.ALLOWED
