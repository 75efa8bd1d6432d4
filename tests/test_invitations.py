"""Invitations: bulk sending (rate-limited, reported), status for Administration, accepting signs the person in."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kooperation.network import invitations, twofactor
from kooperation.network.models import Invitation, Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Neues-Passwort-fuer-2026"


def _new_accounts(count: int, institution=None, role=Role.MITGLIED, prefix="neu"):
    accounts = []
    for n in range(count):
        account = UserFactory(email=f"{prefix}{n}@einladung.example")
        account.set_unusable_password()
        account.save()
        if institution is not None:
            account.memberships.create(institution=institution, role=role)
        accounts.append(account)
    return accounts


def _link(body: str, site_url: str) -> str:
    return re.search(re.escape(site_url) + r"(/konto/einladung/\S+/)", body).group(1)


def test_bulk_invite_sends_one_mail_each_and_reports_skipped(
    client_for, admin_user, member, django_capture_on_commit_callbacks
):
    fresh = _new_accounts(3)
    disabled = _new_accounts(1, prefix="aus")[0]
    disabled.is_active = False
    disabled.save()
    ids = [a.pk for a in fresh] + [disabled.pk, member.pk]
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin_user).post(reverse("user_invite_bulk"), {"accounts": ids}, follow=True)
    page = response.content.decode()
    assert sorted(m.to[0] for m in mail.outbox) == [a.email for a in fresh]
    assert "3 Einladungen wurden verschickt." in page
    assert "Nicht eingeladen (deaktiviert): aus0@einladung.example" in page
    assert f"Nicht eingeladen (hat bereits ein Passwort): {member.email}" in page
    assert page.count(">eingeladen</span>") == 3


def test_bulk_invite_skips_recently_invited_and_stops_at_the_hourly_limit(admin_user, settings):
    settings.KOOPERATION_INVITATIONS_PER_HOUR = 2
    accounts = _new_accounts(4)
    invitations.send(accounts[0], actor=admin_user)
    report = invitations.send_many(accounts, admin_user)
    assert report.recent == [accounts[0]]
    assert report.sent == [accounts[1]]
    assert report.over_limit == accounts[2:]


def test_link_uses_the_public_address_and_signs_the_person_in(admin_user, settings, django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://kooperation.beispiel.de"
    account = _new_accounts(1)[0]
    with django_capture_on_commit_callbacks(execute=True):
        invitations.send(account, actor=admin_user)
    link = _link(mail.outbox[0].body, "https://kooperation.beispiel.de")
    person = Client()
    response = person.post(link, {"new_password1": PASSWORD, "new_password2": PASSWORD}, follow=True)
    assert response.context["user"] == account
    assert "Willkommen! Ihr Passwort ist gespeichert und Sie sind angemeldet." in response.content.decode()
    invitation = Invitation.objects.get(user=account)
    assert invitation.status == Invitation.Status.ACCEPTED
    assert invitation.accepted_at is not None
    assert invitation.token_hash == ""


def test_leitung_sets_password_then_must_set_up_the_second_factor(
    institution, admin_user, django_capture_on_commit_callbacks
):
    account = _new_accounts(1, institution, Role.LEITUNG)[0]
    with django_capture_on_commit_callbacks(execute=True):
        invitations.send(account, actor=admin_user)
    person = Client()
    response = person.post(
        _link(mail.outbox[0].body, "http://127.0.0.1:8000"), {"new_password1": PASSWORD, "new_password2": PASSWORD}
    )
    assert response["Location"] == reverse("two_factor_enrol")
    assert "_auth_user_id" not in person.session
    device = twofactor.pending_app_device(account)
    person.post(reverse("two_factor_enrol"), {"code": twofactor.current_code(device)})
    assert int(person.session["_auth_user_id"]) == account.pk


def test_expired_and_replaced_links_do_not_work(admin_user, django_capture_on_commit_callbacks):
    account = _new_accounts(1)[0]
    with django_capture_on_commit_callbacks(execute=True):
        invitations.send(account, actor=admin_user)
        invitations.send(account, actor=admin_user)
    old, new = (_link(m.body, "http://127.0.0.1:8000") for m in mail.outbox)
    assert Client().get(old).context["validlink"] is False
    assert Client().get(new).context["validlink"] is True
    Invitation.objects.filter(user=account, status=Invitation.Status.SENT).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    assert Client().get(new).context["validlink"] is False
    assert Invitation.objects.filter(user=account).first().state == "abgelaufen"


def test_mismatched_passwords_get_a_german_field_error(admin_user, django_capture_on_commit_callbacks):
    account = _new_accounts(1)[0]
    with django_capture_on_commit_callbacks(execute=True):
        invitations.send(account, actor=admin_user)
    link = _link(mail.outbox[0].body, "http://127.0.0.1:8000")
    response = Client().post(link, {"new_password1": PASSWORD, "new_password2": PASSWORD + "x"})
    assert response.status_code == 200
    assert "Die beiden Passwörter sind nicht identisch." in response.content.decode()


def test_user_list_shows_the_invitation_status(client_for, admin_user):
    sent, accepted, expired = _new_accounts(3)
    invitations.send(sent, actor=admin_user)
    invitations.accept(invitations.send(accepted, actor=admin_user), PASSWORD)
    invitations.send(expired, actor=admin_user)
    Invitation.objects.filter(user=expired).update(expires_at=timezone.now() - timedelta(days=1))
    page = client_for(admin_user).get(reverse("user_list")).content.decode()
    assert ">eingeladen</span>" in page
    assert ">angenommen</span>" in page
    assert ">abgelaufen</span>" in page
    assert page.count("erneut senden") == 2


def test_bulk_invite_without_selection_says_so(client_for, admin_user):
    response = client_for(admin_user).post(reverse("user_invite_bulk"), {}, follow=True)
    assert "Bitte wählen Sie mindestens ein Konto aus." in response.content.decode()
