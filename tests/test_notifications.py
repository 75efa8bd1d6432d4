"""The bell: every mailed event also lands in the app; people mark it read and choose what comes by mail."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from agreements.services import lifecycle
from kooperation.core.mail import notify
from kooperation.network import notifications as service
from kooperation.ops.models import Notification, NotificationKind, NotificationSettings, OutgoingMail
from tests.structure_data import person, ready_for_approval

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner_member(partner_institution):
    return person(partner_institution, first_name="Paula")


@pytest.fixture
def ready(agreement, coordinator, member, partner_member):
    return ready_for_approval(agreement, coordinator)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _notify(users, subject="Betreff", kind=NotificationKind.OTHER, path="/"):
    return notify(users, subject, "Eine Nachricht.", path, kind=kind)


def test_approval_requested_puts_a_notification_in_each_board_members_bell(
    ready, coordinator, member, partner_member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _client(coordinator).post(reverse("agreement_transition", args=[ready.pk, "start_approval"]))
    rows = Notification.objects.filter(kind=NotificationKind.APPROVAL)
    assert sorted(n.user_id for n in rows) == sorted([coordinator.pk, member.pk, partner_member.pk])
    assert {n.subject for n in rows} == {"Ihre Zustimmung wird erwartet"}
    assert {n.path for n in rows} == {reverse("agreement_approval", args=[ready.pk])}
    assert len(mail.outbox) == 3
    page = _client(member).get(reverse("notification_list")).content.decode()
    assert "Ihre Zustimmung wird erwartet" in page
    unread = service.unread_count(member)
    assert f"{unread} ungelesene Benachrichtigung" in page


def test_muted_kind_comes_only_in_the_bell(ready, coordinator, member, partner_member):
    response = _client(member).post(
        reverse("notification_settings"),
        {"mailed_kinds": [NotificationKind.QUESTIONS, NotificationKind.SIGNATURE], "reminders": "on"},
    )
    assert response.status_code == 302
    assert NotificationSettings.objects.get(user=member).mails(NotificationKind.APPROVAL) is False
    lifecycle.perform(coordinator, ready, "start_approval")
    asked = OutgoingMail.objects.filter(subject="Ihre Zustimmung wird erwartet")
    recipients = set(asked.values_list("recipient", flat=True))
    assert recipients == {coordinator.email, partner_member.email}
    assert Notification.objects.filter(user=member, kind=NotificationKind.APPROVAL).count() == 1


def test_security_mails_cannot_be_switched_off(member):
    service.save_settings(member, mailed_kinds=[], reminders=False)
    assert _notify([member], kind=NotificationKind.SECURITY) == 1
    assert _notify([member], kind=NotificationKind.ROLE) == 0
    assert Notification.objects.filter(user=member).count() == 2


def test_settings_page_shows_the_current_choice(member):
    service.save_settings(member, mailed_kinds=[NotificationKind.TASK], reminders=False)
    page = _client(member).get(reverse("notification_settings")).content.decode()
    task_box = page.split(f'value="{NotificationKind.TASK.value}"')[1].split(">")[0]
    assert "checked" in task_box
    role_box = page.split(f'value="{NotificationKind.ROLE.value}"')[1].split(">")[0]
    assert "checked" not in role_box
    form = page.split('name="reminders"')[1].split(">")[0]
    assert "checked" not in form


def test_unknown_kind_in_settings_is_refused_at_the_field(member):
    response = _client(member).post(reverse("notification_settings"), {"mailed_kinds": ["gibtsnicht"]})
    assert response.status_code == 200
    assert "ist keine gültige Auswahl" in response.content.decode()
    assert not NotificationSettings.objects.exists()


def test_inactive_people_get_nothing(member):
    member.is_active = False
    member.save()
    assert _notify([member]) == 0
    assert not Notification.objects.exists()


def test_open_marks_read_and_follows_the_link(member):
    _notify([member], path="/netzwerk/")
    item = Notification.objects.get()
    response = _client(member).post(reverse("notification_open", args=[item.pk]))
    assert (response.status_code, response["Location"]) == (302, "/netzwerk/")
    item.refresh_from_db()
    assert item.read_at is not None


def test_mark_read_and_mark_all_read(member):
    _notify([member], subject="Erste")
    _notify([member], subject="Zweite")
    first = Notification.objects.get(subject="Erste")
    client = _client(member)
    client.post(reverse("notification_read", args=[first.pk]))
    assert service.unread_count(member) == 1
    response = client.post(reverse("notification_read_all"), follow=True)
    assert "1 Benachrichtigungen als gelesen markiert." in response.content.decode()
    assert service.unread_count(member) == 0


def test_someone_elses_notification_is_404(member, coordinator):
    _notify([coordinator])
    item = Notification.objects.get()
    client = _client(member)
    assert client.post(reverse("notification_read", args=[item.pk])).status_code == 404
    assert client.post(reverse("notification_open", args=[item.pk])).status_code == 404
    assert "Betreff" not in client.get(reverse("notification_list")).content.decode()


def test_changes_are_post_only(member):
    _notify([member])
    item = Notification.objects.get()
    client = _client(member)
    for url in (
        reverse("notification_read", args=[item.pk]),
        reverse("notification_open", args=[item.pk]),
        reverse("notification_read_all"),
    ):
        assert client.get(url).status_code == 405


def test_badge_shows_the_unread_count_and_caps_it(member):
    client = _client(member)
    _notify([member] * 1)
    badge = client.get(reverse("notification_badge"), headers={"HX-Request": "true"}).content.decode()
    assert ">1<" in badge
    Notification.objects.bulk_create(
        [Notification(user=member, subject="x", path="/") for _ in range(service.UNREAD_CAP + 5)]
    )
    badge = client.get(reverse("notification_badge"), headers={"HX-Request": "true"}).content.decode()
    assert f">{service.UNREAD_CAP}+<" in badge


def test_pages_show_the_bell_with_its_lazily_loaded_count(member):
    page = _client(member).get(reverse("notification_settings")).content.decode()
    assert reverse("notification_badge") in page
    assert 'href="/konto/benachrichtigungen/"' in page


@pytest.mark.parametrize("count", [1, 30])
def test_list_query_count_is_pinned(member, count, django_assert_num_queries):
    Notification.objects.bulk_create([Notification(user=member, subject=f"N{i}", path="/") for i in range(count)])
    client = _client(member)
    # session, user, page count, page rows, unread count, session refresh (3)
    with django_assert_num_queries(8):
        response = client.get(reverse("notification_list"))
    assert response.status_code == 200


def test_badge_query_count_is_pinned(member, django_assert_num_queries):
    client = _client(member)
    # session, user, the count, and the session refresh (savepoint, update, release)
    with django_assert_num_queries(6):
        client.get(reverse("notification_badge"), headers={"HX-Request": "true"})
