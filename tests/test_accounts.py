"""Signing in and out, passwords, sessions, language, and the site-wide error pages."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core import mail
from django.db import IntegrityError, OperationalError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kooperation.network.models import Role, User
from tests.factories import PASSWORD, InstitutionFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

SIZES = [3, 30]
NEW_PASSWORD = "Lindenbrueck-Kooperation-2026"


def _signed_in_user(client) -> User | None:
    """The account the client's session belongs to, if any."""
    user_id = client.session.get(SESSION_KEY)
    return User.objects.get(pk=user_id) if user_id else None


# --- query counts: pinned, and the same for 3 and 30 rows --------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_dashboard_query_count_does_not_grow(size, client_for, member, django_assert_num_queries):
    for institution in InstitutionFactory.create_batch(size):
        MembershipFactory(user=member, institution=institution, role=Role.FACHKRAFT)
    client = client_for(member)
    # session, user, memberships, agreements, open answers, approvals expected, internal clarification
    # and signatures expected (one query), open tasks, …
    with django_assert_num_queries(11):
        response = client.get(reverse("dashboard"))
    assert len(response.context["institutions"]) == size + 1


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("url_name", ["login", "password_reset", "password_reset_done", "password_reset_complete"])
def test_public_account_pages_need_no_queries(size, url_name, client, django_assert_num_queries):
    UserFactory.create_batch(size)
    with django_assert_num_queries(0):
        response = client.get(reverse(url_name))
    assert response.status_code == 200


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("url_name", ["password_change", "password_change_done"])
def test_password_change_pages_query_count_does_not_grow(size, url_name, client_for, member, django_assert_num_queries):
    for institution in InstitutionFactory.create_batch(size):
        MembershipFactory(user=member, institution=institution)
    client = client_for(member)
    with django_assert_num_queries(5):
        response = client.get(reverse(url_name))
    assert response.status_code == 200


@pytest.mark.parametrize("size", SIZES)
def test_password_reset_link_query_count_does_not_grow(size, client, django_assert_num_queries):
    UserFactory.create_batch(size)
    account = UserFactory()
    client.post(reverse("password_reset"), {"email": account.email})
    link = _link_in(mail.outbox[-1].body)
    with django_assert_num_queries(5):
        response = client.get(link)
    assert response.status_code == 302


# --- sign in and out -----------------------------------------------------------------------------


def test_login_with_email_and_password_opens_the_dashboard(client, member):
    response = client.post(reverse("login"), {"username": member.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    assert _signed_in_user(client) == member


def test_login_accepts_the_email_address_in_any_case(client, member):
    response = client.post(reverse("login"), {"username": f"  {member.email.upper()} ", "password": PASSWORD})
    assert response.status_code == 302
    assert _signed_in_user(client) == member


def test_wrong_password_gets_a_german_error(client, member):
    response = client.post(reverse("login"), {"username": member.email, "password": "falsch-falsch"})
    assert response.status_code == 200
    message = "Bitte E-Mail-Adresse und Passwort eingeben. Beide Felder berücksichtigen die Groß-/Kleinschreibung."
    assert response.context["form"].non_field_errors() == [message]
    assert message in response.content.decode()


def test_empty_login_form_gets_german_field_errors(client):
    response = client.post(reverse("login"), {})
    assert response.context["form"].errors["username"] == ["Dieses Feld ist zwingend erforderlich."]
    assert response.context["form"].errors["password"] == ["Dieses Feld ist zwingend erforderlich."]


def test_login_returns_to_the_page_asked_for(client, member, institution):
    target = reverse("institution_detail", args=[institution.pk])
    login_page = client.get(target)
    assert login_page["Location"] == f"{reverse('login')}?next={target}"
    response = client.post(login_page["Location"], {"username": member.email, "password": PASSWORD})
    assert response["Location"] == target


def test_login_does_not_redirect_to_another_site(client, member):
    url = f"{reverse('login')}?next=https://boese.example/"
    response = client.post(url, {"username": member.email, "password": PASSWORD})
    assert response["Location"] == reverse("dashboard")


def test_logout_needs_post(client_for, member):
    client = client_for(member)
    assert client.get(reverse("logout")).status_code == 405
    assert _signed_in_user(client) == member


def test_logout_ends_the_session(client_for, member):
    client = client_for(member)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert _signed_in_user(client) is None
    assert client.get(reverse("dashboard"))["Location"].startswith(reverse("login"))


def test_invited_account_cannot_sign_in_before_setting_a_password(client):
    account = UserFactory()
    account.set_unusable_password()
    account.save()
    response = client.post(reverse("login"), {"username": account.email, "password": ""})
    assert response.status_code == 200
    assert _signed_in_user(client) is None


# --- password change -----------------------------------------------------------------------------


def test_password_change_keeps_the_user_signed_in_and_takes_the_new_password(client_for, member):
    client = client_for(member)
    data = {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    response = client.post(reverse("password_change"), data)
    assert response["Location"] == reverse("password_change_done")
    assert _signed_in_user(client) == member
    assert Client().login(username=member.email, password=NEW_PASSWORD) is True
    assert Client().login(username=member.email, password=PASSWORD) is False


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"old_password": "falsch", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
            "old_password",
            "Das alte Passwort war falsch. Bitte neu eingeben.",
        ),
        (
            {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"},
            "new_password2",
            "Die beiden Passwörter sind nicht identisch.",
        ),
        (
            {"old_password": PASSWORD, "new_password1": "Kurz-1a", "new_password2": "Kurz-1a"},
            "new_password2",
            "Dieses Passwort ist zu kurz. Es muss mindestens 10 Zeichen enthalten.",
        ),
        (
            {"old_password": PASSWORD, "new_password1": "9384756102", "new_password2": "9384756102"},
            "new_password2",
            "Dieses Passwort ist komplett numerisch.",
        ),
        (
            {"old_password": PASSWORD, "new_password1": "", "new_password2": ""},
            "new_password1",
            "Dieses Feld ist zwingend erforderlich.",
        ),
    ],
    ids=["wrong-old", "mismatch", "too-short", "numeric", "empty"],
)
def test_bad_password_change_gets_a_german_field_error(client_for, member, data, field, message):
    response = client_for(member).post(reverse("password_change"), data)
    assert response.status_code == 200
    # Django's German catalogue ends some password messages with a space.
    assert message in [error.strip() for error in response.context["form"].errors[field]]
    assert message in response.content.decode()
    member.refresh_from_db()
    assert member.check_password(PASSWORD)


# --- password reset ------------------------------------------------------------------------------


def _link_in(body: str) -> str:
    return re.search(r"https?://[^/\s]+(/konto/passwort/neu/\S+/)", body).group(1)


def test_password_reset_mails_a_link_that_sets_a_new_password(client, member):
    response = client.post(reverse("password_reset"), {"email": member.email.upper()})
    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [member.email]

    form_page = client.get(_link_in(mail.outbox[0].body))
    assert form_page.status_code == 302
    done = client.post(form_page["Location"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done["Location"] == reverse("password_reset_complete")
    signed_in = client.post(reverse("login"), {"username": member.email, "password": NEW_PASSWORD})
    assert signed_in["Location"] == reverse("dashboard")


@pytest.mark.parametrize(
    ("passwords", "message"),
    [
        ((NEW_PASSWORD, NEW_PASSWORD + "!"), "Die beiden Passwörter sind nicht identisch."),
        (("kurz", "kurz"), "Dieses Passwort ist zu kurz. Es muss mindestens 10 Zeichen enthalten."),
        (("", ""), "Dieses Feld ist zwingend erforderlich."),
    ],
    ids=["mismatch", "too-short", "empty"],
)
def test_bad_new_password_from_the_reset_link_gets_a_german_field_error(client, member, passwords, message):
    client.post(reverse("password_reset"), {"email": member.email})
    form_url = client.get(_link_in(mail.outbox[0].body))["Location"]
    response = client.post(form_url, {"new_password1": passwords[0], "new_password2": passwords[1]})
    assert response.status_code == 200
    errors = [error.strip() for errors in response.context["form"].errors.values() for error in errors]
    assert message in errors
    assert message in response.content.decode()
    member.refresh_from_db()
    assert member.check_password(PASSWORD)


def test_password_reset_does_not_reveal_unknown_addresses(client):
    response = client.post(reverse("password_reset"), {"email": "niemand@test.example"})
    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_deactivated_account_gets_no_reset_mail(client, member):
    User.objects.filter(pk=member.pk).update(is_active=False)
    client.post(reverse("password_reset"), {"email": member.email})
    assert mail.outbox == []


def test_reset_with_an_invalid_email_gets_a_german_field_error(client):
    response = client.post(reverse("password_reset"), {"email": "kein-at-zeichen"})
    assert response.context["form"].errors["email"] == ["Bitte gültige E-Mail-Adresse eingeben."]


def test_tampered_reset_link_is_refused_in_german(client, member):
    client.post(reverse("password_reset"), {"email": member.email})
    link = _link_in(mail.outbox[0].body)
    response = client.get(link[:-3] + "xx/", follow=True)
    assert response.context["validlink"] is False
    assert "Dieser Link ist ungültig oder abgelaufen" in response.content.decode()


def test_reset_link_expires(client, member, settings):
    client.post(reverse("password_reset"), {"email": member.email})
    link = _link_in(mail.outbox[0].body)
    later = datetime.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)  # tokens use naive time
    with mock.patch("django.contrib.auth.tokens.PasswordResetTokenGenerator._now", return_value=later):
        response = client.get(link, follow=True)
    assert response.context["validlink"] is False


# --- sessions ------------------------------------------------------------------------------------


def test_session_idle_time_is_thirty_minutes_and_renewed_at_most_once_a_minute(settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_REFRESH_SECONDS == 60
    assert not settings.SESSION_SAVE_EVERY_REQUEST


def test_reading_pages_writes_the_session_at_most_once_a_minute(client_for, member):
    client = client_for(member)
    start = timezone.now()
    with mock.patch("django.utils.timezone.now", return_value=start):
        client.get(reverse("dashboard"))
    expiry = Session.objects.get().expire_date
    later = start + timedelta(seconds=10)
    with (
        mock.patch("time.time", return_value=later.timestamp()),
        mock.patch("django.utils.timezone.now", return_value=later),
    ):
        client.get(reverse("dashboard"))
    assert Session.objects.get().expire_date == expiry  # no write within the minute
    later = start + timedelta(minutes=2)
    with (
        mock.patch("time.time", return_value=later.timestamp()),
        mock.patch("django.utils.timezone.now", return_value=later),
    ):
        client.get(reverse("dashboard"))
    assert Session.objects.get().expire_date == expiry + timedelta(minutes=2)


def test_session_expires_after_thirty_idle_minutes(client_for, member):
    client = client_for(member)
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() + timedelta(minutes=31)):
        response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_activity_keeps_the_session_alive(client_for, member):
    client = client_for(member)
    start = timezone.now()
    for minutes in (20, 40, 60):  # each request comes within 30 minutes of the previous one
        moment = start + timedelta(minutes=minutes)
        with (
            mock.patch("django.utils.timezone.now", return_value=moment),
            mock.patch("time.time", return_value=moment.timestamp()),
        ):
            assert client.get(reverse("dashboard")).status_code == 200
    with mock.patch("django.utils.timezone.now", return_value=start + timedelta(minutes=91)):
        assert client.get(reverse("dashboard")).status_code == 302


# --- language ------------------------------------------------------------------------------------


def _html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


def test_german_is_the_default_language(client_for, member):
    assert _html_lang(client_for(member).get(reverse("dashboard"))) == "de"


def test_language_switch_by_post_changes_the_page_language(client_for, member):
    client = client_for(member)
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("institution_list")})
    assert response["Location"] == reverse("institution_list")
    assert _html_lang(client.get(reverse("institution_list"))) == "en"
    client.post(reverse("set_language"), {"language": "de", "next": "/"})
    assert _html_lang(client.get(reverse("institution_list"))) == "de"


def test_language_switch_by_get_changes_nothing(client_for, member):
    client = client_for(member)
    client.get(reverse("set_language"), {"language": "en", "next": "/"})
    assert _html_lang(client.get(reverse("dashboard"))) == "de"


def test_unknown_language_is_ignored(client_for, member):
    client = client_for(member)
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    assert _html_lang(client.get(reverse("dashboard"))) == "de"


@pytest.mark.parametrize(("header", "expected"), [("en", "en"), ("en-GB,en;q=0.9", "en"), ("fr", "de"), ("", "de")])
def test_accept_language_chooses_the_page_language(client, header, expected):
    assert _html_lang(client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE=header)) == expected


# --- error pages ---------------------------------------------------------------------------------


def test_database_outage_gives_the_503_page(client_for, member):
    client = client_for(member)
    client.raise_request_exception = False
    with mock.patch("kooperation.pages.dashboard.memberships", side_effect=OperationalError("server closed")):
        response = client.get(reverse("dashboard"))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Die Datenbank ist gerade nicht erreichbar." in response.content.decode()


def test_integrity_error_gives_the_500_page_not_the_outage_page(client_for, member):
    client = client_for(member)
    client.raise_request_exception = False
    with mock.patch("kooperation.pages.dashboard.memberships", side_effect=IntegrityError("duplicate")):
        response = client.get(reverse("dashboard"))
    assert response.status_code == 500
    assert "Ein Fehler ist aufgetreten" in response.content.decode()


def test_other_errors_give_the_500_page(client_for, member):
    client = client_for(member)
    client.raise_request_exception = False
    with mock.patch("kooperation.pages.dashboard.memberships", side_effect=RuntimeError("bug")):
        response = client.get(reverse("dashboard"))
    assert response.status_code == 500
    assert "Die Datenbank" not in response.content.decode()


def test_unknown_page_gives_the_german_404_page(client_for, member):
    response = client_for(member).get("/gibt-es-nicht/")
    assert response.status_code == 404
    assert "Seite nicht gefunden" in response.content.decode()


def test_invited_account_whose_link_expired_can_ask_for_a_new_one(client, mailoutbox):
    account = UserFactory(email="eingeladen@test.example")
    account.set_unusable_password()
    account.save()
    response = client.post(reverse("password_reset"), {"email": "Eingeladen@Test.example"})
    assert response.status_code == 302
    assert [m.to for m in mailoutbox] == [["eingeladen@test.example"]]
    assert "/konto/passwort/neu/" in mailoutbox[0].body


# --- the start page's one primary action -------------------------------------------------------


def _solid_buttons(response) -> list[tuple[str, str]]:
    html = response.content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    return re.findall(r'<a class="btn btn-primary" href="([^"]+)">.*?([^>]+)</a>', main)


@pytest.mark.parametrize(
    ("who", "url_name", "label"),
    [("coordinator", "agreement_create", "Vereinbarung anlegen"), ("caseworker", "case_create", "Fall anlegen")],
)
def test_start_page_leads_with_one_solid_action(who, url_name, label, client_for, request):
    response = client_for(request.getfixturevalue(who)).get(reverse("dashboard"))
    assert _solid_buttons(response) == [(reverse(url_name), label)]


def test_start_page_offers_no_action_a_member_may_not_take(client_for, member):
    response = client_for(member).get(reverse("dashboard"))
    assert _solid_buttons(response) == []
    assert reverse("agreement_create") not in response.content.decode()
