"""Second factor, throttled sign-in and the security log (issue 12)."""

from __future__ import annotations

import csv
import io
import re
import time
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kooperation.management.commands.seed_demo import DEMO_TOTP_SECRET
from kooperation.network import twofactor
from kooperation.network.models import Membership, Role, SecurityEvent, User
from kooperation.network.security import client_ip, record
from tests.factories import PASSWORD, InstitutionFactory, MembershipFactory, UserFactory
from tests.test_settings_env import SECRET as ENV_SECRET
from tests.test_settings_env import _load_settings

pytestmark = pytest.mark.django_db

Kind = SecurityEvent.Kind
SECRET = "KOOPERATIONTESTSECRET234"
LOCKED = "Zu viele fehlgeschlagene Anmeldeversuche. Bitte versuchen Sie es in {minutes} Minuten erneut."


@pytest.fixture(autouse=True)
def _no_device_throttle(settings):
    """django-otp delays a device after a wrong code; the tests check our own throttle instead."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


@pytest.fixture
def enrolled_admin(admin_user):
    twofactor.enrol_with_secret(admin_user, SECRET)
    return admin_user


def _code(user, later: int = 0) -> str:
    """The app's code now (or `later` time steps ahead: a code is accepted only once)."""
    device = twofactor.app_device(user)
    return twofactor.current_code(device, at=time.time() + later * device.step)


def _password_step(client, user, password=PASSWORD):
    return client.post(reverse("login"), {"username": user.email, "password": password})


def _without_csrf(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


# --- sign-in in two steps ----------------------------------------------------------------------


def test_optional_user_without_device_signs_in_with_the_password_alone(client, member):
    response = _password_step(client, member)
    assert response["Location"] == reverse("dashboard")
    assert client.get(reverse("dashboard")).status_code == 200
    assert SecurityEvent.objects.filter(kind=Kind.LOGIN, user=member).exists()


def test_login_with_totp_asks_for_the_code_only_after_the_password(client, enrolled_admin):
    response = _password_step(client, enrolled_admin)
    assert response["Location"] == reverse("login_code")
    # Not signed in yet: every page still sends to the login form.
    assert client.get(reverse("dashboard"))["Location"].startswith(reverse("login") + "?next=")
    page = client.get(reverse("login_code"))
    assert "Code eingeben" in page.content.decode()

    response = client.post(reverse("login_code"), {"code": _code(enrolled_admin)})
    assert response["Location"] == reverse("dashboard")
    assert client.get(reverse("user_list")).status_code == 200
    assert client.session[twofactor.SESSION_STATE] == twofactor.VERIFIED


def test_wrong_password_never_reaches_the_code_step(client, enrolled_admin):
    response = _password_step(client, enrolled_admin, password="falsch-falsch")
    assert response.status_code == 200
    assert client.get(reverse("login_code"))["Location"] == reverse("login")


def test_code_step_keeps_the_page_asked_for(client, enrolled_admin, institution):
    target = reverse("institution_detail", args=[institution.pk])
    client.post(reverse("login"), {"username": enrolled_admin.email, "password": PASSWORD, "next": target})
    response = client.post(reverse("login_code"), {"code": _code(enrolled_admin)})
    assert response["Location"] == target


def test_wrong_code_is_refused_and_logged(client, enrolled_admin):
    _password_step(client, enrolled_admin)
    response = client.post(reverse("login_code"), {"code": "000000"})
    assert response.status_code == 200
    assert "Der Code ist nicht richtig" in response.content.decode()
    assert client.get(reverse("dashboard")).status_code == 302
    failure = SecurityEvent.objects.get(kind=Kind.LOGIN_FAILED)
    assert failure.user == enrolled_admin
    assert failure.detail == "falscher Code im zweiten Schritt"
    assert "000000" not in failure.detail
    assert "000000" not in AccessAttempt.objects.get().post_data  # axes keeps the POST data, masked
    # The right code still works afterwards.
    assert client.post(reverse("login_code"), {"code": _code(enrolled_admin)})["Location"] == reverse("dashboard")


def test_a_code_is_accepted_only_once(client, enrolled_admin):
    code = _code(enrolled_admin)
    _password_step(client, enrolled_admin)
    client.post(reverse("login_code"), {"code": code})
    other = Client()
    _password_step(other, enrolled_admin)
    assert other.post(reverse("login_code"), {"code": code}).status_code == 200


def test_backup_code_works_once(client, enrolled_admin):
    codes = twofactor.renew_backup_codes(enrolled_admin)
    assert len(codes) == 10
    _password_step(client, enrolled_admin)
    assert client.post(reverse("login_code"), {"code": codes[0]})["Location"] == reverse("dashboard")
    used = SecurityEvent.objects.get(kind=Kind.BACKUP_CODE_USED)
    assert used.user == enrolled_admin
    assert used.detail == "noch 9 Sicherungscodes übrig"
    assert codes[0] not in used.detail

    again = Client()
    _password_step(again, enrolled_admin)
    assert again.post(reverse("login_code"), {"code": codes[0]}).status_code == 200
    assert again.get(reverse("dashboard")).status_code == 302


def test_code_step_expires(client, enrolled_admin, settings):
    _password_step(client, enrolled_admin)
    session = client.session
    pending = session[twofactor.PENDING_SESSION_KEY]
    pending["since"] -= settings.KOOPERATION_2FA_PENDING_MINUTES * 60 + 1
    session[twofactor.PENDING_SESSION_KEY] = pending
    session.save()
    assert client.post(reverse("login_code"), {"code": _code(enrolled_admin)})["Location"] == reverse("login")


# --- enrolment ---------------------------------------------------------------------------------


def test_leitung_without_device_must_enrol_right_after_the_password(
    client, leader_user, django_capture_on_commit_callbacks
):
    assert _password_step(client, leader_user)["Location"] == reverse("login_code")
    assert client.get(reverse("login_code"))["Location"] == reverse("two_factor_enrol")
    page = client.get(reverse("two_factor_enrol"))
    content = page.content.decode()
    assert "<svg" in content
    assert "<script" not in content.split("<main", 1)[1].split("</main>", 1)[0]
    assert "vorgeschrieben" in content
    secret = page.context["secret"]
    assert re.fullmatch(r"([A-Z2-7]{4} )*[A-Z2-7]{1,4}", secret)
    # Nothing else is open before the app is confirmed.
    assert client.get(reverse("dashboard"))["Location"].startswith(reverse("login"))

    device = twofactor.pending_app_device(leader_user)
    wrong = client.post(reverse("two_factor_enrol"), {"code": "000000"})
    assert "Der Code passt nicht" in wrong.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("two_factor_enrol"), {"code": twofactor.current_code(device)})
    assert response.status_code == 200
    assert [message.to for message in mail.outbox] == [[leader_user.email]]
    codes = response.context["codes"]
    assert len(codes) == 10
    assert all(code in response.content.decode() for code in codes)
    assert response.context["next_url"] == reverse("dashboard")
    assert client.get(reverse("dashboard")).status_code == 200
    assert twofactor.has_second_factor(leader_user)
    assert SecurityEvent.objects.filter(kind=Kind.OTP_ENROLLED, user=leader_user).exists()


def test_optional_user_can_enrol_from_the_account_menu(client_for, member):
    client = client_for(member)
    assert "nicht eingerichtet" in client.get(reverse("two_factor")).content.decode()
    device = twofactor.pending_app_device(member)
    client.post(reverse("two_factor_enrol"), {"code": twofactor.current_code(device)})
    assert twofactor.has_second_factor(member)
    # From now on the code is asked for at every sign-in.
    other = Client()
    assert _password_step(other, member)["Location"] == reverse("login_code")


def test_role_granted_during_a_session_sends_to_enrolment(client, member, institution):
    _password_step(client, member)
    assert client.get(reverse("dashboard")).status_code == 200
    Membership.objects.create(user=member, institution=institution, role=Role.LEITUNG)
    assert client.get(reverse("dashboard"))["Location"] == reverse("two_factor_enrol")
    assert client.get(reverse("two_factor_enrol")).status_code == 200


def test_backup_codes_can_be_renewed(client_for, enrolled_admin):
    old = twofactor.renew_backup_codes(enrolled_admin)
    response = client_for(enrolled_admin).post(reverse("two_factor_backup_codes"))
    new = response.context["codes"]
    assert len(new) == 10
    assert not set(old) & set(new)
    assert twofactor.remaining_backup_codes(enrolled_admin) == 10
    assert SecurityEvent.objects.filter(kind=Kind.BACKUP_CODES_RENEWED, user=enrolled_admin).exists()


def test_removing_ones_own_device_asks_for_a_code(client_for, member):
    twofactor.enrol_with_secret(member, SECRET)
    client = client_for(member)
    response = client.post(reverse("two_factor_remove"), {"code": "000000"}, follow=True)
    assert "Die Zwei-Faktor-Anmeldung bleibt eingerichtet." in response.content.decode()
    assert twofactor.has_second_factor(member)
    response = client.post(reverse("two_factor_remove"), {"code": _code(member)}, follow=True)
    assert "Die Zwei-Faktor-Anmeldung wurde entfernt." in response.content.decode()
    assert not twofactor.has_second_factor(member)
    assert SecurityEvent.objects.filter(kind=Kind.OTP_REMOVED, user=member).exists()


def test_second_factor_pages_query_counts(client_for, enrolled_admin, django_assert_num_queries):
    client = client_for(enrolled_admin)
    # session, user, app, backup codes left, session expiry renewed (savepoint, update, release)
    with django_assert_num_queries(7):
        assert client.get(reverse("two_factor")).status_code == 200


def test_code_step_query_count(client, enrolled_admin, django_assert_num_queries):
    _password_step(client, enrolled_admin)
    with django_assert_num_queries(3):  # session, pending user, device exists
        assert client.get(reverse("login_code")).status_code == 200


# --- reset by Administration -------------------------------------------------------------------


def test_another_admin_resets_the_second_factor_with_a_logged_reason(
    client_for, enrolled_admin, django_capture_on_commit_callbacks
):
    colleague = UserFactory(is_administration=True)
    client = client_for(colleague)
    page = client.get(reverse("user_edit", args=[enrolled_admin.pk]))
    assert "Zwei-Faktor-Anmeldung zurücksetzen" in page.content.decode()
    # The reason box is described by its help text: every id it points at is on the page.
    described = re.findall(r'aria-describedby="([^"]+)"', page.content.decode())
    assert described
    for target in " ".join(described).split():
        assert f'id="{target}"' in page.content.decode(), target

    refused = client.post(reverse("user_reset_second_factor", args=[enrolled_admin.pk]), {"reason": "kurz"})
    assert refused.status_code == 302
    assert twofactor.has_second_factor(enrolled_admin)

    reason = "Telefon verloren, Rückruf bestätigt"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("user_reset_second_factor", args=[enrolled_admin.pk]), {"reason": reason})
    assert [message.to for message in mail.outbox] == [[enrolled_admin.email]]
    assert "zurückgesetzt" in mail.outbox[0].body
    assert not twofactor.has_second_factor(enrolled_admin)
    event = SecurityEvent.objects.get(kind=Kind.OTP_RESET)
    assert (event.user, event.actor) == (enrolled_admin, colleague)
    assert reason in event.detail


def test_admin_cannot_reset_their_own_second_factor(client_for, enrolled_admin):
    response = client_for(enrolled_admin).post(
        reverse("user_reset_second_factor", args=[enrolled_admin.pk]), {"reason": "Telefon verloren, ich selbst"}
    )
    assert response.status_code == 403
    assert twofactor.has_second_factor(enrolled_admin)


# --- throttled sign-in -------------------------------------------------------------------------


def _fail(client, email, times):
    response = None
    for _ in range(times):
        response = client.post(reverse("login"), {"username": email, "password": "falsch-falsch"})
    return response


def test_five_wrong_passwords_lock_the_account_with_a_german_message(client, member):
    assert _fail(client, member.email, 4).status_code == 200
    response = _fail(client, member.email, 1)
    assert response.status_code == 429
    assert LOCKED.format(minutes=15) in response.content.decode()
    # Even the right password is refused now.
    locked = _password_step(client, member)
    assert locked.status_code == 429
    assert client.get(reverse("dashboard")).status_code == 302
    lockouts = SecurityEvent.objects.filter(kind=Kind.LOCKOUT)
    assert lockouts.count() == 1
    assert lockouts.get().user == member


def test_lockout_does_not_reveal_whether_the_account_exists(member):
    known, unknown = Client(), Client()
    _fail(known, member.email, 4)
    _fail(unknown, "niemand@test.example", 4)
    first = _fail(known, member.email, 1)
    second = _fail(unknown, "niemand@test.example", 1)
    assert first.status_code == second.status_code == 429
    assert _without_csrf(first) == _without_csrf(second)


def test_the_address_case_does_not_reset_the_count(client, member):
    _fail(client, member.email.upper(), 2)
    _fail(client, f" {member.email} ", 2)
    assert _fail(client, member.email, 1).status_code == 429


def test_wrong_codes_count_towards_the_lockout(client, enrolled_admin):
    _fail(client, enrolled_admin.email, 3)
    _password_step(client, enrolled_admin)
    assert client.post(reverse("login_code"), {"code": "000000"}).status_code == 200
    response = client.post(reverse("login_code"), {"code": "000001"})
    assert response.status_code == 429
    assert LOCKED.format(minutes=15) in response.content.decode()
    # The pending password step is gone; the right code does not help any more.
    assert client.post(reverse("login_code"), {"code": _code(enrolled_admin)})["Location"] == reverse("login")


def test_lockout_grows_with_every_lockout(client, member):
    _fail(client, member.email, 5)
    # The first lockout is over …
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert _password_step(Client(), member)["Location"] == reverse("dashboard")
    # … the next one lasts twice as long.
    response = _fail(client, member.email, 5)
    assert LOCKED.format(minutes=30) in response.content.decode()
    assert SecurityEvent.objects.filter(kind=Kind.LOCKOUT).count() == 2


def test_too_many_failures_from_one_address_lock_it(settings, client, member):
    settings.KOOPERATION_LOGIN_FAILURES_PER_IP = 4
    for number in range(3):
        _fail(client, f"person{number}@test.example", 1)
    assert _fail(client, "person9@test.example", 1).status_code == 429
    assert _password_step(client, member).status_code == 429


def test_administration_unlocks_an_account(client_for, admin_user, member):
    _fail(Client(), member.email, 5)
    admin = client_for(admin_user)
    page = admin.get(reverse("user_edit", args=[member.pk]))
    assert "Anmeldung gesperrt" in page.content.decode()
    response = admin.post(reverse("user_unlock", args=[member.pk]), follow=True)
    assert "Die Anmeldesperre" in response.content.decode()
    assert _password_step(Client(), member)["Location"] == reverse("dashboard")
    unlock = SecurityEvent.objects.get(kind=Kind.UNLOCK)
    assert (unlock.user, unlock.actor) == (member, admin_user)


def test_unlock_needs_post_and_administration(client_for, member, coordinator):
    assert client_for(coordinator).post(reverse("user_unlock", args=[member.pk])).status_code == 403
    assert client_for(coordinator).get(reverse("user_unlock", args=[member.pk])).status_code == 405


def test_password_reset_mails_are_limited_and_the_page_stays_the_same(client, member, settings):
    settings.KOOPERATION_RESET_MAILS_PER_ADDRESS = 2
    answers = [client.post(reverse("password_reset"), {"email": member.email}) for _ in range(4)]
    assert len(mail.outbox) == 2
    assert {answer["Location"] for answer in answers} == {reverse("password_reset_done")}
    unknown = client.post(reverse("password_reset"), {"email": "niemand@test.example"})
    assert unknown["Location"] == reverse("password_reset_done")
    assert SecurityEvent.objects.filter(kind=Kind.PASSWORD_RESET_MAIL, detail__startswith="gedrosselt").count() == 2


def test_password_reset_mails_are_limited_per_address(client, settings):
    settings.KOOPERATION_RESET_MAILS_PER_IP = 3
    for number in range(5):
        UserFactory(email=f"p{number}@test.example")
        client.post(reverse("password_reset"), {"email": f"p{number}@test.example"})
    assert len(mail.outbox) == 3


# --- security log ------------------------------------------------------------------------------


def test_security_log_lists_filters_and_exports(client_for, admin_user, member):
    _fail(Client(), member.email, 2)
    _password_step(Client(), member)
    client = client_for(admin_user)
    page = client.get(reverse("security_log"))
    content = page.content.decode()
    assert "Fehlgeschlagene Anmeldung" in content
    assert member.email in content

    only_failures = client.get(reverse("security_log"), {"kind": Kind.LOGIN_FAILED, "user": member.email})
    kinds = {event.kind for event in only_failures.context["page_obj"]}
    assert kinds == {Kind.LOGIN_FAILED}
    today = timezone.localdate().isoformat()
    assert len(client.get(reverse("security_log"), {"since": today, "until": today}).context["page_obj"]) >= 3
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert len(client.get(reverse("security_log"), {"since": tomorrow}).context["page_obj"]) == 0

    export = client.get(reverse("security_log_export"), {"kind": Kind.LOGIN_FAILED})
    assert export["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Zeitpunkt", "Ereignis", "Konto"]
    assert len(rows) == 3
    assert all(row[1] == "Fehlgeschlagene Anmeldung" for row in rows[1:])
    exported = SecurityEvent.objects.get(kind=Kind.EXPORT)
    assert exported.actor == admin_user
    assert "2 Einträge" in exported.detail


def test_security_log_needs_administration(client, client_for, coordinator):
    assert client.get(reverse("security_log"))["Location"].startswith(reverse("login") + "?next=")
    assert client_for(coordinator).get(reverse("security_log")).status_code == 403
    assert client_for(coordinator).get(reverse("security_log_export")).status_code == 403


@pytest.mark.parametrize("size", [3, 30])
def test_security_log_query_count_does_not_grow(size, client_for, admin_user, member, django_assert_num_queries):
    for _ in range(size):
        SecurityEvent.objects.create(kind=Kind.LOGIN, user=member, actor=member)
    client = client_for(admin_user)
    # session, user, count, page (users and actors joined); first request: session expiry renewed (3)
    with django_assert_num_queries(7):
        assert client.get(reverse("security_log")).status_code == 200
    with django_assert_num_queries(4):  # session, user, events, export entry
        assert client.get(reverse("security_log_export")).status_code == 200


def test_export_cells_cannot_run_as_formulas(client_for, admin_user):
    SecurityEvent.objects.create(kind=Kind.EXPORT, detail="=HYPERLINK(1)")
    export = client_for(admin_user).get(reverse("security_log_export"))
    assert "'=HYPERLINK(1)" in export.content.decode("utf-8-sig")


# --- roles: no self-grant, grants logged and notified ------------------------------------------


def _membership_post(account, rows, is_administration=False):
    data = {
        "first_name": account.first_name or "Vorname",
        "last_name": account.last_name or "Nachname",
        "email": account.email,
        "version": account.version,
        "memberships-TOTAL_FORMS": str(len(rows)),
        "memberships-INITIAL_FORMS": str(sum(1 for row in rows if row.get("id"))),
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    if is_administration:
        data["is_administration"] = "on"
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"memberships-{index}-{key}"] = value
    return data


def test_admin_cannot_make_themselves_fachkraft(client_for, admin_user, institution):
    data = _membership_post(
        admin_user, [{"institution": institution.pk, "role": Role.FACHKRAFT}], is_administration=True
    )
    response = client_for(admin_user).post(reverse("user_edit", args=[admin_user.pk]), data)
    assert response.status_code == 200
    assert "Sie können Ihre eigenen Mitgliedschaften und Rollen nicht ändern." in response.content.decode()
    assert not Membership.objects.filter(user=admin_user).exists()
    assert not SecurityEvent.objects.filter(kind=Kind.ROLE_GRANTED).exists()


def test_a_second_admin_grants_the_role_logged_and_notified(
    client_for, admin_user, institution, coordinator, django_capture_on_commit_callbacks
):
    colleague = UserFactory(is_administration=True)
    data = _membership_post(
        admin_user, [{"institution": institution.pk, "role": Role.FACHKRAFT}], is_administration=True
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(colleague).post(reverse("user_edit", args=[admin_user.pk]), data)
    assert response.status_code == 302
    assert Membership.objects.filter(user=admin_user, institution=institution, role=Role.FACHKRAFT).exists()
    grant = SecurityEvent.objects.get(kind=Kind.ROLE_GRANTED)
    assert (grant.user, grant.actor) == (admin_user, colleague)
    assert grant.detail == f"{institution.name}: Fachkraft"
    assert [message.to for message in mail.outbox] == [[coordinator.email]]
    assert institution.name in mail.outbox[0].subject


def test_removing_a_role_is_logged(client_for, admin_user, member):
    membership = member.memberships.get()
    data = _membership_post(
        member,
        [{"id": membership.pk, "institution": membership.institution_id, "role": membership.role, "DELETE": "on"}],
    )
    assert client_for(admin_user).post(reverse("user_edit", args=[member.pk]), data).status_code == 302
    assert SecurityEvent.objects.get(kind=Kind.ROLE_REVOKED).user == member


def test_security_helper_records_without_a_request(member):
    event = record(Kind.EXPORT, user=member, actor=member, detail="Kooperationsblatt als PDF")
    assert (event.kind, event.ip_address, event.actor) == (Kind.EXPORT, None, member)


def test_other_institution_role_grant_notifies_only_that_koordination(
    client_for, admin_user, institution, coordinator, outsider, other_institution, django_capture_on_commit_callbacks
):
    person = MembershipFactory(institution=InstitutionFactory(), role=Role.MITGLIED).user
    rows = [{"id": m.pk, "institution": m.institution_id, "role": m.role} for m in person.memberships.all()]
    rows.append({"institution": other_institution.pk, "role": Role.MITGLIED})
    with django_capture_on_commit_callbacks(execute=True):
        client_for(admin_user).post(reverse("user_edit", args=[person.pk]), _membership_post(person, rows))
    assert [message.to for message in mail.outbox] == [[outsider.email]]


def test_seed_demo_enrols_administration_and_leitung_with_the_documented_secret(client):
    call_command("seed_demo", stdout=StringIO())
    admin = User.objects.get(email="admin@kooperation.example")
    leitung = User.objects.get(email="leitung@kooperation.example")
    member = User.objects.get(email="mitglied@kooperation.example")
    assert twofactor.has_second_factor(admin)
    assert twofactor.has_second_factor(leitung)
    assert not twofactor.has_second_factor(member)
    assert twofactor.app_device(admin).key == twofactor.key_from_base32(DEMO_TOTP_SECRET)
    assert DEMO_TOTP_SECRET in (Path(__file__).resolve().parent.parent / "README.md").read_text()

    out = StringIO()
    call_command("demo_totp", "admin@kooperation.example", stdout=out)
    code = out.getvalue().strip()
    assert re.fullmatch(r"\d{6}", code)
    client.post(reverse("login"), {"username": admin.email, "password": "kooperation-demo"})
    assert client.post(reverse("login_code"), {"code": code})["Location"] == reverse("dashboard")


def test_demo_totp_refuses_other_accounts(enrolled_admin):
    with pytest.raises(CommandError):
        call_command("demo_totp", enrolled_admin.email, stdout=StringIO())


def test_enrolment_page_query_count(client_for, member, django_assert_num_queries):
    client = client_for(member)
    twofactor.pending_app_device(member)
    # session, user, app set up?, pending app, memberships (second factor required?),
    # session expiry renewed (savepoint, update, release)
    with django_assert_num_queries(8):
        assert client.get(reverse("two_factor_enrol")).status_code == 200


def test_a_session_that_skipped_the_code_step_is_ended(client, enrolled_admin):
    """A signed-in session without the sign-in state (not made by the login views) for an account with a device."""
    client.force_login(enrolled_admin)
    session = client.session
    del session[twofactor.SESSION_STATE]
    session.save()
    response = client.get(reverse("user_list"))
    assert response["Location"].startswith(reverse("login") + "?next=")
    assert client.get(reverse("dashboard"))["Location"].startswith(reverse("login"))


def test_client_address_behind_the_load_balancer(rf, settings):
    request = rf.get("/", HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.5", REMOTE_ADDR="10.0.0.2")
    settings.BEHIND_PROXY = False
    assert client_ip(request) == "10.0.0.2"
    settings.BEHIND_PROXY = True
    assert client_ip(request) == "203.0.113.5"


def test_required_roles_are_configurable(settings, member, leader_user, admin_user):
    assert not twofactor.requires_second_factor(member)
    assert twofactor.requires_second_factor(leader_user)
    assert twofactor.requires_second_factor(admin_user)
    settings.KOOPERATION_2FA_REQUIRED_ROLES = ["mitglied"]
    assert twofactor.requires_second_factor(member)
    assert not twofactor.requires_second_factor(leader_user)
    assert not twofactor.requires_second_factor(admin_user)


def test_an_unknown_required_role_stops_the_start():
    result = _load_settings(DJANGO_SECRET_KEY=ENV_SECRET, KOOPERATION_2FA_REQUIRED_ROLES="administration,chef")
    assert result.returncode != 0
    assert "KOOPERATION_2FA_REQUIRED_ROLES may only contain" in result.stderr
