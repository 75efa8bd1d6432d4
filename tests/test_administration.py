"""Administration (/verwaltung/): Arbeitsfelder, user accounts, memberships and invitations."""

from __future__ import annotations

import re
from unittest import mock

import pytest
from django.core import mail
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse

from kooperation.network.forms.accounts import MembershipFormSet
from kooperation.network.models import Arbeitsfeld, Membership, Role, User
from tests.factories import (
    PASSWORD,
    ArbeitsfeldFactory,
    InstitutionFactory,
    MembershipFactory,
    UserFactory,
    form_data,
    formset_data,
)

pytestmark = pytest.mark.django_db

SIZES = [3, 30]

REQUIRED = "Dieses Feld ist zwingend erforderlich."
INVALID_CHOICE = "Bitte eine gültige Auswahl treffen. Dies ist keine gültige Auswahl."
CONFLICT = "Diese Angaben wurden gespeichert, während Sie sie bearbeitet haben."
DUPLICATE_EMAIL = "Für diese E-Mail-Adresse gibt es bereits ein Benutzerkonto."
DUPLICATE_ROLE = "Diese Rolle ist für diese Institution bereits eingetragen."
DUPLICATE_FIELD = "Arbeitsfeld mit diesem Wert für das Feld Bezeichnung existiert bereits."


def _accounts(size: int) -> list[User]:
    """`size` accounts, each with two memberships in different institutions."""
    institutions = InstitutionFactory.create_batch(3)
    accounts = []
    for number in range(size):
        account = UserFactory()
        MembershipFactory(user=account, institution=institutions[number % 3], role=Role.MITGLIED)
        MembershipFactory(user=account, institution=institutions[(number + 1) % 3], role=Role.FACHKRAFT)
        accounts.append(account)
    return accounts


def _user_post(**changes) -> dict:
    data = {
        "first_name": "Nina",
        "last_name": "Neu",
        "email": "nina.neu@test.example",
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return data


def _account_page(client, account):
    response = client.get(reverse("user_edit", args=[account.pk]))
    return {**form_data(response.context["form"]), **formset_data(response.context["formset"])}


# --- query counts: pinned, and the same for 3 and 30 rows --------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_user_list_query_count_does_not_grow(size, client_for, admin_user, django_assert_num_queries):
    _accounts(size)
    client = client_for(admin_user)
    with django_assert_num_queries(10):  # 9 + the newest invitation of each listed account
        response = client.get(reverse("user_list"))
    assert len(response.context["page_obj"]) == min(size + 1, 25)


@pytest.mark.parametrize("size", SIZES)
def test_filtered_user_list_query_count_does_not_grow(size, client_for, admin_user, django_assert_num_queries):
    accounts = _accounts(size)
    institution = accounts[0].memberships.first().institution
    client = client_for(admin_user)
    with django_assert_num_queries(11):
        response = client.get(reverse("user_list"), {"institution": institution.pk, "role": Role.MITGLIED})
    assert response.context["page_obj"].paginator.count == len(range(0, size, 3))


@pytest.mark.parametrize("size", SIZES)
def test_user_create_query_count_does_not_grow(size, client_for, admin_user, django_assert_num_queries):
    InstitutionFactory.create_batch(size)
    client = client_for(admin_user)
    with django_assert_num_queries(6):
        response = client.get(reverse("user_create"))
    assert response.status_code == 200


@pytest.mark.parametrize("size", SIZES)
def test_user_edit_query_count_does_not_grow(size, client_for, admin_user, django_assert_num_queries):
    account = UserFactory()
    for institution in InstitutionFactory.create_batch(size):
        MembershipFactory(user=account, institution=institution)
    client = client_for(admin_user)
    # + second factor set up? + recorded sign-in failures (lockout)
    with django_assert_num_queries(10):
        response = client.get(reverse("user_edit", args=[account.pk]))
    assert response.context["formset"].initial_form_count() == size


@pytest.mark.parametrize("size", SIZES)
def test_arbeitsfeld_list_query_count_does_not_grow(size, client_for, admin_user, django_assert_num_queries):
    for field in ArbeitsfeldFactory.create_batch(size):
        InstitutionFactory.create_batch(2, arbeitsfeld=field)
    client = client_for(admin_user)
    with django_assert_num_queries(6):
        response = client.get(reverse("arbeitsfeld_list"))
    counts = {field.name: field.institution_count for field in response.context["arbeitsfelder"]}
    assert len(counts) == Arbeitsfeld.objects.count()
    assert sum(counts.values()) == 2 * size


@pytest.mark.parametrize("size", SIZES)
def test_arbeitsfeld_edit_query_count_does_not_grow(size, client_for, admin_user, django_assert_num_queries):
    field = ArbeitsfeldFactory()
    InstitutionFactory.create_batch(size, arbeitsfeld=field)
    client = client_for(admin_user)
    with django_assert_num_queries(6):
        assert client.get(reverse("arbeitsfeld_edit", args=[field.pk])).status_code == 200
    with django_assert_num_queries(2):  # the session was renewed by the first request
        assert client.get(reverse("arbeitsfeld_create")).status_code == 200


# --- creating an account and the invitation ------------------------------------------------------


def test_administration_creates_an_account_and_the_invitation_lets_the_person_sign_in(
    client_for, admin_user, institution, django_capture_on_commit_callbacks
):
    data = _user_post(**{"memberships-0-institution": institution.pk, "memberships-0-role": Role.KOORDINATION})
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin_user).post(reverse("user_create"), data)

    account = User.objects.get(email="nina.neu@test.example")
    assert response.status_code == 302
    assert response["Location"] == reverse("user_edit", args=[account.pk])
    assert list(account.memberships.values_list("institution", "role")) == [(institution.pk, Role.KOORDINATION)]
    assert not account.has_usable_password()

    assert len(mail.outbox) == 1
    invitation = mail.outbox[0]
    assert invitation.to == ["nina.neu@test.example"]
    assert invitation.subject == "Ihr Zugang zu Kooperation"
    link = re.search(r"http://127\.0\.0\.1:8000(/konto/einladung/\S+/)", invitation.body).group(1)

    person = Client()
    assert person.get(link).status_code == 200
    new_password = "Lindenbrueck-Kooperation-2026"
    done = person.post(link, {"new_password1": new_password, "new_password2": new_password})
    assert done.status_code == 302
    assert done["Location"] == reverse("dashboard")
    assert person.get(reverse("dashboard")).context["user"] == account

    again = Client().post(reverse("login"), {"username": "nina.neu@test.example", "password": new_password})
    assert again.status_code == 302
    assert again["Location"] == reverse("dashboard")


def test_invitation_link_works_only_once(client_for, admin_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(admin_user).post(reverse("user_create"), _user_post())
    link = re.search(r"http://127\.0\.0\.1:8000(/konto/einladung/\S+/)", mail.outbox[0].body).group(1)
    Client().post(link, {"new_password1": "Erstes-Passwort-2026", "new_password2": "Erstes-Passwort-2026"})
    again = Client().get(link)
    assert again.context["validlink"] is False
    assert (
        "Diese Einladung ist abgelaufen, wurde durch eine neuere ersetzt oder schon verwendet."
        in again.content.decode()
    )


def test_no_invitation_is_sent_when_the_form_is_invalid(client_for, admin_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin_user).post(reverse("user_create"), _user_post(last_name=""))
    assert response.status_code == 200
    assert mail.outbox == []
    assert not User.objects.filter(email="nina.neu@test.example").exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("first_name", "", REQUIRED),
        ("last_name", "", REQUIRED),
        ("email", "", REQUIRED),
        ("email", "nina@", "Bitte gültige E-Mail-Adresse eingeben."),
    ],
)
def test_invalid_account_input_gets_a_german_field_error(client_for, admin_user, field, value, message):
    response = client_for(admin_user).post(reverse("user_create"), _user_post(**{field: value}))
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert message in response.content.decode()
    assert User.objects.count() == 1


@pytest.mark.parametrize("email", ["person@test.example", "PERSON@Test.Example", " person@test.example "])
def test_duplicate_email_gets_a_german_field_error(client_for, admin_user, email):
    UserFactory(email="person@test.example")
    response = client_for(admin_user).post(reverse("user_create"), _user_post(email=email))
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [DUPLICATE_EMAIL]
    assert DUPLICATE_EMAIL in response.content.decode()
    assert User.objects.filter(email__iexact="person@test.example").count() == 1


def test_changing_an_email_to_one_in_use_is_refused(client_for, admin_user, member, coordinator):
    client = client_for(admin_user)
    data = _account_page(client, member)
    data["email"] = coordinator.email.upper()
    response = client.post(reverse("user_edit", args=[member.pk]), data)
    assert response.context["form"].errors["email"] == [DUPLICATE_EMAIL]


def test_duplicate_membership_rows_get_a_german_field_error(client_for, admin_user, institution):
    data = _user_post(
        **{
            "memberships-TOTAL_FORMS": "2",
            "memberships-0-institution": institution.pk,
            "memberships-0-role": Role.MITGLIED,
            "memberships-1-institution": institution.pk,
            "memberships-1-role": Role.MITGLIED,
        }
    )
    response = client_for(admin_user).post(reverse("user_create"), data)
    assert response.status_code == 200
    assert response.context["formset"].forms[1].errors["role"] == [DUPLICATE_ROLE]
    assert response.context["formset"].non_form_errors() == []
    assert DUPLICATE_ROLE in response.content.decode()
    assert not User.objects.filter(email="nina.neu@test.example").exists()


def test_a_role_already_held_cannot_be_added_twice(client_for, admin_user, member, institution):
    client = client_for(admin_user)
    data = _account_page(client, member)
    data.update({"memberships-1-institution": institution.pk, "memberships-1-role": Role.MITGLIED})
    response = client.post(reverse("user_edit", args=[member.pk]), data)
    assert response.status_code == 200
    assert DUPLICATE_ROLE in response.content.decode()
    assert member.memberships.count() == 1


def test_a_second_role_in_the_same_institution_is_allowed(client_for, admin_user, member, institution):
    client = client_for(admin_user)
    data = _account_page(client, member)
    data.update({"memberships-1-institution": institution.pk, "memberships-1-role": Role.LEITUNG})
    assert client.post(reverse("user_edit", args=[member.pk]), data).status_code == 302
    assert set(member.memberships.values_list("role", flat=True)) == {Role.MITGLIED, Role.LEITUNG}


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        ({"memberships-0-institution": "INSTITUTION"}, "role", REQUIRED),
        ({"memberships-0-role": Role.MITGLIED}, "institution", REQUIRED),
        ({"memberships-0-institution": "INSTITUTION", "memberships-0-role": "chef"}, "role", None),
        ({"memberships-0-institution": "INACTIVE", "memberships-0-role": Role.MITGLIED}, "institution", INVALID_CHOICE),
    ],
    ids=["no-role", "no-institution", "unknown-role", "inactive-institution"],
)
def test_invalid_membership_row_gets_a_german_field_error(client_for, admin_user, institution, row, field, message):
    inactive = InstitutionFactory(is_active=False)
    pks = {"INSTITUTION": institution.pk, "INACTIVE": inactive.pk}
    data = _user_post(**{key: pks.get(value, value) for key, value in row.items()})
    response = client_for(admin_user).post(reverse("user_create"), data)
    assert response.status_code == 200
    expected = message or "Bitte eine gültige Auswahl treffen. chef ist keine gültige Auswahl."
    assert response.context["formset"].forms[0].errors[field] == [expected]
    assert not User.objects.filter(email="nina.neu@test.example").exists()


def test_failed_membership_write_leaves_no_half_created_account(
    client_for, admin_user, institution, django_capture_on_commit_callbacks
):
    data = _user_post(**{"memberships-0-institution": institution.pk, "memberships-0-role": Role.MITGLIED})
    with (
        mock.patch.object(MembershipFormSet, "save", side_effect=IntegrityError("duplicate")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client_for(admin_user).post(reverse("user_create"), data)
    assert response.status_code == 200
    assert "Eine dieser Mitgliedschaften wurde gerade von jemand anderem angelegt." in response.content.decode()
    assert not User.objects.filter(email="nina.neu@test.example").exists()
    assert mail.outbox == []


# --- editing accounts ----------------------------------------------------------------------------


def test_account_page_shows_each_membership_with_its_institution_selected(client_for, admin_user, member):
    second = InstitutionFactory(name="Zweite Stelle")
    MembershipFactory(user=member, institution=second, role=Role.LEITUNG)
    formset = client_for(admin_user).get(reverse("user_edit", args=[member.pk])).context["formset"]
    rows = [(form["institution"].value(), form["role"].value()) for form in formset.forms]
    expected = [(m.institution_id, m.role) for m in member.memberships.all()]
    assert rows == [*expected, (None, None)]
    content = client_for(admin_user).get(reverse("user_edit", args=[member.pk])).content.decode()
    assert f'<option value="{second.pk}" selected>Zweite Stelle</option>' in content


def test_administration_removes_a_membership(client_for, admin_user, member):
    client = client_for(admin_user)
    data = _account_page(client, member)
    data["memberships-0-DELETE"] = "on"
    assert client.post(reverse("user_edit", args=[member.pk]), data).status_code == 302
    assert not member.memberships.exists()


def test_stale_account_save_gets_a_conflict_and_keeps_the_input(admin_user, member):
    url = reverse("user_edit", args=[member.pk])
    other_admin = UserFactory(is_administration=True)
    first, second = Client(), Client()
    first.force_login(admin_user)
    second.force_login(other_admin)
    first_data, second_data = _account_page(first, member), _account_page(second, member)
    assert first.post(url, {**first_data, "last_name": "Erstname-Änderung"}).status_code == 302

    response = second.post(url, {**second_data, "first_name": "Miriam"})

    assert response.status_code == 200
    content = response.content.decode()
    assert CONFLICT in content
    changes = {c.label: (c.saved, c.yours) for c in response.context["form"].conflict_changes}
    assert changes == {"Vorname": ("Mia", "Miriam"), "Nachname": ("Erstname-Änderung", second_data["last_name"])}
    assert 'value="Miriam"' in content
    member.refresh_from_db()
    assert (member.first_name, member.last_name) == ("Mia", "Erstname-Änderung")


def test_account_conflict_also_keeps_the_membership_rows_unsaved(admin_user, member, other_institution):
    url = reverse("user_edit", args=[member.pk])
    first, second = Client(), Client()
    first.force_login(admin_user)
    second.force_login(admin_user)
    first_data, second_data = _account_page(first, member), _account_page(second, member)
    first.post(url, {**first_data, "last_name": "Geändert"})
    second_data.update({"memberships-1-institution": other_institution.pk, "memberships-1-role": Role.MITGLIED})

    response = second.post(url, second_data)

    assert CONFLICT in response.content.decode()
    assert list(member.memberships.values_list("institution", flat=True)) == [member.memberships.get().institution_id]
    assert not Membership.objects.filter(user=member, institution=other_institution).exists()


def test_administration_cannot_revoke_its_own_administration(client_for, admin_user):
    client = client_for(admin_user)
    data = _account_page(client, admin_user)
    data.pop("is_administration")
    response = client.post(reverse("user_edit", args=[admin_user.pk]), data)
    assert response.status_code == 200
    assert response.context["form"].errors["is_administration"] == [
        "Sie können sich die Administration nicht selbst entziehen."
    ]
    admin_user.refresh_from_db()
    assert admin_user.is_administration is True


def test_administration_grants_administration_to_another_account(client_for, admin_user, member):
    client = client_for(admin_user)
    data = {**_account_page(client, member), "is_administration": "on"}
    assert client.post(reverse("user_edit", args=[member.pk]), data).status_code == 302
    member.refresh_from_db()
    assert member.is_administration is True


def test_unknown_account_is_404_for_administration(client_for, admin_user):
    assert client_for(admin_user).get(reverse("user_edit", args=[999999])).status_code == 404


# --- deactivation and invitations ----------------------------------------------------------------


def test_deactivated_account_cannot_sign_in(client_for, admin_user, member):
    response = client_for(admin_user).post(reverse("user_deactivate", args=[member.pk]))
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.is_active is False

    attempt = Client().post(reverse("login"), {"username": member.email, "password": PASSWORD})
    assert attempt.status_code == 200
    assert attempt.context["user"].is_authenticated is False
    assert "Bitte E-Mail-Adresse und Passwort eingeben." in attempt.content.decode()


def test_deactivation_ends_the_running_session(client_for, admin_user, member):
    session = Client()
    session.force_login(member)
    assert session.get(reverse("dashboard")).status_code == 200
    client_for(admin_user).post(reverse("user_deactivate", args=[member.pk]))
    response = session.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_deactivated_account_is_kept_with_its_memberships(client_for, admin_user, member, institution):
    client_for(admin_user).post(reverse("user_deactivate", args=[member.pk]))
    assert Membership.objects.filter(user=member, institution=institution).exists()


def test_reactivated_account_can_sign_in_again(client_for, admin_user, member):
    User.objects.filter(pk=member.pk).update(is_active=False)
    client_for(admin_user).post(reverse("user_activate", args=[member.pk]))
    person = Client()
    assert person.login(username=member.email, password=PASSWORD) is True


def test_administration_cannot_deactivate_itself(client_for, admin_user):
    response = client_for(admin_user).post(reverse("user_deactivate", args=[admin_user.pk]), follow=True)
    assert "Sie können Ihr eigenes Konto nicht deaktivieren." in response.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.is_active is True


def test_get_on_deactivate_account_changes_nothing(client_for, admin_user, member):
    assert client_for(admin_user).get(reverse("user_deactivate", args=[member.pk])).status_code == 405
    member.refresh_from_db()
    assert member.is_active is True


def test_invitation_can_be_sent_again(client_for, admin_user, member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin_user).post(reverse("user_invite", args=[member.pk]), follow=True)
    assert [message.to for message in mail.outbox] == [[member.email]]
    assert f"Die Einladung wurde erneut an {member.email} verschickt." in response.content.decode()


def test_deactivated_account_gets_no_invitation(client_for, admin_user, member, django_capture_on_commit_callbacks):
    User.objects.filter(pk=member.pk).update(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin_user).post(reverse("user_invite", args=[member.pk]), follow=True)
    assert mail.outbox == []
    assert "Ein deaktiviertes Konto kann nicht eingeladen werden." in response.content.decode()


# --- user list filter ----------------------------------------------------------------------------


def _listed(response) -> set[str]:
    return {account.email for account in response.context["page_obj"]}


def test_user_list_filters_by_institution_and_role(client_for, admin_user, member, coordinator, outsider):
    institution = member.memberships.get().institution
    client = client_for(admin_user)
    assert _listed(client.get(reverse("user_list"), {"institution": institution.pk})) == {
        member.email,
        coordinator.email,
    }
    assert _listed(client.get(reverse("user_list"), {"role": Role.KOORDINATION})) == {
        coordinator.email,
        outsider.email,
    }


@pytest.mark.parametrize("query", ["Kora", "kora", "MUSTER", "@test.example"])
def test_user_list_search_matches_names_and_email(client_for, admin_user, coordinator, query):
    found = _listed(client_for(admin_user).get(reverse("user_list"), {"q": query}))
    assert coordinator.email in found


def test_user_list_hides_deactivated_accounts_unless_asked(client_for, admin_user, member):
    User.objects.filter(pk=member.pk).update(is_active=False)
    client = client_for(admin_user)
    assert member.email not in _listed(client.get(reverse("user_list")))
    assert _listed(client.get(reverse("user_list"), {"active": "inaktiv"})) == {member.email}
    assert member.email in _listed(client.get(reverse("user_list"), {"active": "alle"}))


def test_user_list_paginates_twenty_five_per_page(client_for, admin_user):
    UserFactory.create_batch(30)
    client = client_for(admin_user)
    first = client.get(reverse("user_list"))
    second = client.get(reverse("user_list"), {"page": 2})
    assert len(first.context["page_obj"]) == 25
    assert len(second.context["page_obj"]) == 6
    assert _listed(first).isdisjoint(_listed(second))


@pytest.mark.parametrize("params", [{"institution": "abc"}, {"role": "chef"}, {"active": "vielleicht"}])
def test_garbage_user_filter_is_not_a_server_error(client_for, admin_user, member, params):
    response = client_for(admin_user).get(reverse("user_list"), params)
    assert response.status_code == 200
    assert member.email in _listed(response)


# --- Arbeitsfelder -------------------------------------------------------------------------------


def test_administration_creates_an_arbeitsfeld(client_for, admin_user):
    data = {"name": "Wohnungslosenhilfe", "description": "", "position": "7", "is_active": "on"}
    response = client_for(admin_user).post(reverse("arbeitsfeld_create"), data)
    assert response.status_code == 302
    assert Arbeitsfeld.objects.get(name="Wohnungslosenhilfe").position == 7


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "", "position": "1"}, "name", REQUIRED),
        ({"name": "Neu", "position": ""}, "position", REQUIRED),
        ({"name": "Neu", "position": "-1"}, "position", "Dieser Wert muss größer oder gleich 0 sein."),
        ({"name": "Neu", "position": "zwei"}, "position", "Bitte eine ganze Zahl eingeben."),
        ({"name": "Jugendhilfe", "position": "1"}, "name", DUPLICATE_FIELD),
    ],
)
def test_invalid_arbeitsfeld_input_gets_a_german_field_error(client_for, admin_user, data, field, message):
    ArbeitsfeldFactory(name="Jugendhilfe")
    before = Arbeitsfeld.objects.count()
    response = client_for(admin_user).post(reverse("arbeitsfeld_create"), data)
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert message in response.content.decode()
    assert Arbeitsfeld.objects.count() == before


def test_stale_arbeitsfeld_save_gets_a_conflict(admin_user):
    field = ArbeitsfeldFactory(name="Suchthilfe")
    url = reverse("arbeitsfeld_edit", args=[field.pk])
    first, second = Client(), Client()
    first.force_login(admin_user)
    second.force_login(admin_user)
    first_data = form_data(first.get(url).context["form"])
    second_data = form_data(second.get(url).context["form"])
    first.post(url, {**first_data, "name": "Drogen- und Suchthilfe"})
    response = second.post(url, {**second_data, "name": "Suchtberatung"})
    assert response.status_code == 200
    assert CONFLICT in response.content.decode()
    field.refresh_from_db()
    assert field.name == "Drogen- und Suchthilfe"


def test_retired_arbeitsfeld_is_not_offered_in_the_directory_filter(client_for, admin_user, member):
    field = ArbeitsfeldFactory(name="Altes Feld")
    client = client_for(admin_user)
    data = {**form_data(client.get(reverse("arbeitsfeld_edit", args=[field.pk])).context["form"])}
    data.pop("is_active")
    client.post(reverse("arbeitsfeld_edit", args=[field.pk]), data)
    viewer = Client()
    viewer.force_login(member)
    choices = viewer.get(reverse("institution_list")).context["filter_form"].fields["arbeitsfeld"].queryset
    assert field not in choices
