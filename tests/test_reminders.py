"""Reminders where people wait: at most once a week per person and item, off on request, links only."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from agreements.services import lifecycle
from agreements.services import reminders as agreement_reminders
from conferences.services import reminders as case_reminders
from kooperation.core.reminders import remind
from kooperation.network import notifications
from kooperation.ops.models import Notification, NotificationKind, OutgoingMail, ReminderLog
from tests.conference_fixtures import give_consent, plan, today
from tests.structure_data import person, ready_for_approval

pytestmark = pytest.mark.django_db

APPROVAL_SUBJECT = "Erinnerung: Ihre Zustimmung wird erwartet"


@pytest.fixture
def partner_member(partner_institution):
    return person(partner_institution, first_name="Paula")


@pytest.fixture
def in_approval(agreement, coordinator, member, partner_member):
    return lifecycle.perform(coordinator, ready_for_approval(agreement, coordinator), "start_approval")


def _reminded(subject) -> list[str]:
    return sorted(OutgoingMail.objects.filter(subject=subject).values_list("recipient", flat=True))


def test_remind_sends_once_a_week_per_person_and_item(member):
    assert remind([member], "item:1", "Betreff", "Text", "/", kind=NotificationKind.OTHER) == 1
    assert remind([member], "item:1", "Betreff", "Text", "/", kind=NotificationKind.OTHER) == 0
    assert remind([member], "item:2", "Betreff", "Text", "/", kind=NotificationKind.OTHER) == 1
    ReminderLog.objects.filter(key="item:1").update(sent_at=timezone.now() - timedelta(days=8))
    assert remind([member], "item:1", "Betreff", "Text", "/", kind=NotificationKind.OTHER) == 1
    assert Notification.objects.filter(user=member).count() == 3


def test_pending_approval_is_reminded_weekly_to_undecided_board_members(
    in_approval, coordinator, member, partner_member
):
    assert agreement_reminders.send_waiting_reminders() == 3
    assert _reminded(APPROVAL_SUBJECT) == sorted([coordinator.email, member.email, partner_member.email])
    assert agreement_reminders.send_waiting_reminders() == 0
    assert len(_reminded(APPROVAL_SUBJECT)) == 3
    ReminderLog.objects.update(sent_at=timezone.now() - timedelta(days=7, minutes=1))
    assert agreement_reminders.send_waiting_reminders() == 3


def test_switched_off_reminders_reach_nobody(in_approval, coordinator, member, partner_member):
    notifications.save_settings(member, mailed_kinds=[NotificationKind.APPROVAL], reminders=False)
    assert agreement_reminders.send_waiting_reminders() == 2
    assert member.email not in _reminded(APPROVAL_SUBJECT)
    assert not Notification.objects.filter(user=member, subject=APPROVAL_SUBJECT).exists()


def test_reminder_mail_holds_a_link_and_no_title(in_approval, member, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        agreement_reminders.send_waiting_reminders()
    mail = next(m for m in mailoutbox if m.to == [member.email] and m.subject == APPROVAL_SUBJECT)
    assert reverse("agreement_approval", args=[in_approval.pk]) in mail.body
    assert in_approval.title not in mail.body


def test_agreements_daily_reports_the_reminders(in_approval):
    out = StringIO()
    call_command("agreements_daily", stdout=out)
    assert "Zustimmungen, Selbsteinschätzungen und Überprüfungen: 3" in out.getvalue()


def test_expiring_consent_reminds_the_case_team_without_case_content(
    help_case, coordinator, member, institution, partner_institution, mailoutbox, django_capture_on_commit_callbacks
):
    give_consent(help_case, coordinator, [institution], valid_until=today() + timedelta(days=20))
    subject = "Erinnerung: Eine Einwilligung läuft bald ab"
    with django_capture_on_commit_callbacks(execute=True):
        assert case_reminders.send_waiting_reminders() >= 1
    mails = [m for m in mailoutbox if m.subject == subject]
    assert member.email in [m.to[0] for m in mails]
    for mail in mails:
        assert help_case.code not in mail.body
        assert help_case.get_absolute_url() in mail.body
    assert case_reminders.send_waiting_reminders() == 0


def test_consent_far_from_expiry_is_not_reminded(help_case, member):
    assert case_reminders._expiring_consents(today(), dry_run=False) == 0


def test_coming_conference_is_reminded_once_to_the_invited(help_case, coordinator, member):
    plan(help_case, coordinator, date=today() + timedelta(days=3), invited=[coordinator, member])
    subject = "Erinnerung: Hilfekonferenz in den nächsten Tagen"
    out = StringIO()
    call_command("conferences_daily", stdout=out)
    assert "Hilfekonferenzen: 2" in out.getvalue()
    assert _reminded(subject) == sorted([coordinator.email, member.email])
    call_command("conferences_daily", stdout=StringIO())
    assert len(_reminded(subject)) == 2


def test_past_conference_is_not_reminded(help_case, coordinator, member):
    plan(help_case, coordinator, date=today() - timedelta(days=1), invited=[coordinator, member])
    assert case_reminders._coming_conferences(today(), dry_run=False) == 0
