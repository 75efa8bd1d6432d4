"""Daily reminders where people wait on a case: consents about to expire and the next Hilfekonferenz.

The mails hold a link only; no case code, name or content (SGB VIII § 65)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from conferences import permissions as perms
from conferences.models import Conference, Consent
from kooperation.core.reminders import remind
from kooperation.network.models import User
from kooperation.ops.models import NotificationKind

CONSENT_WARNING_DAYS = 30
CONFERENCE_AHEAD_DAYS = 7


def send_waiting_reminders(today=None, dry_run: bool = False) -> int:
    """Remind the case teams of expiring consents and participants of the coming conference; return the count."""
    today = today or timezone.localdate()
    return _expiring_consents(today, dry_run) + _coming_conferences(today, dry_run)


def _expiring_consents(today, dry_run: bool) -> int:
    """The case team, when a consent ends within CONSENT_WARNING_DAYS (so it can be renewed in time)."""
    sent = 0
    consents = Consent.objects.filter(
        revoked_on__isnull=True,
        valid_until__gte=today,
        valid_until__lte=today + timedelta(days=CONSENT_WARNING_DAYS),
        case__closed_at__isnull=True,
    ).select_related("case")
    for consent in consents:
        team = User.objects.filter(case_team_memberships__case=consent.case_id, is_active=True).distinct()
        sent += remind(
            team,
            f"consent:{consent.pk}",
            _("Erinnerung: Eine Einwilligung läuft bald ab"),
            _("In einem Fall, in dessen Team Sie sind, endet eine Einwilligung in den nächsten 30 Tagen."),
            consent.case.get_absolute_url(),
            kind=NotificationKind.CONSENT,
            case_data=True,
            dry_run=dry_run,
        )
    return sent


def _coming_conferences(today, dry_run: bool) -> int:
    """Invited staff and the moderator who still have access to the case, a week before the conference."""
    sent = 0
    conferences = Conference.objects.filter(
        finalised_at__isnull=True,
        date__gte=today,
        date__lte=today + timedelta(days=CONFERENCE_AHEAD_DAYS),
        case__closed_at__isnull=True,
    ).select_related("case", "moderator")
    for conference in conferences:
        people = {u.pk for u in conference.invited.all()}
        if conference.moderator_id:
            people.add(conference.moderator_id)
        allowed = perms.case_access_institution_ids(conference.case)
        recipients = User.objects.filter(
            pk__in=people, is_active=True, memberships__institution_id__in=allowed
        ).distinct()
        sent += remind(
            recipients,
            f"conference:{conference.pk}",
            _("Erinnerung: Hilfekonferenz in den nächsten Tagen"),
            _("Sie sind zu einer Hilfekonferenz eingeladen, die in den nächsten Tagen stattfindet."),
            conference.get_absolute_url(),
            kind=NotificationKind.CONFERENCE,
            case_data=True,
            dry_run=dry_run,
        )
    return sent
