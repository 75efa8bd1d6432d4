"""Koordination asks for a person a partner lacks; that partner's Koordination or Administration confirms."""

from __future__ import annotations

import importlib
import re
from io import StringIO

import pytest
from django.apps import apps
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from agreements.models import CatalogueEntry, Subgroup, SubgroupScope
from agreements.services import structure as structure_service
from kooperation.network.models import Arbeitsfeld, Invitation, Membership, Role, User
from kooperation.ops.models import Notification, NotificationKind
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

PERSON = {"first_name": "Lena", "last_name": "Leitner", "email": "Lena.Leitner@klinikum.example", "role": "leitung"}


@pytest.fixture
def partner_coordinator(partner_institution):
    """Koordination of the partner institution: it confirms requests for its institution."""
    return MembershipFactory(
        institution=partner_institution, role=Role.KOORDINATION, user=UserFactory(first_name="Pia")
    ).user


def _request_url(agreement, institution, purpose="leitung") -> str:
    return reverse("agreement_person_request", args=[agreement.pk, institution.pk]) + f"?fuer={purpose}"


def _ask(client, agreement, institution, purpose="leitung", **data):
    return client.post(_request_url(agreement, institution, purpose), {**PERSON, **data}, follow=True)


def _page(response) -> str:
    return response.content.decode()


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- The pages say what is missing instead of an empty heading -------------------------------


def test_board_page_offers_to_invite_where_a_partner_has_nobody_and_no_leitung(
    client_for, agreement, coordinator, partner_institution
):
    page = _page(client_for(coordinator).get(reverse("structure_board", args=[agreement.pk])))
    invite = _request_url(agreement, partner_institution, "gremium")
    leitung = _request_url(agreement, partner_institution, "leitung")
    assert "Noch niemand dieser Institution hat ein Konto – siehe „Wer noch fehlt“." in page
    assert f'Noch niemand mit Konto – <a href="{invite}">Person einladen' in page
    assert f'Noch keine Leitung hinterlegt – <a href="{leitung}">Person einladen' in page


def test_board_page_tells_a_member_in_a_plain_sentence(client_for, agreement, member, leader_user):
    page = _page(client_for(member).get(reverse("structure_board", args=[agreement.pk])))
    assert "person-einladen" not in page
    assert "Noch keine Leitung hinterlegt. Die Koordination der Vereinbarung kann die Leitung einladen" in page
    assert "Noch niemand dieser Institution hat ein Konto. Die Koordination der Vereinbarung kann" in page
    # The coordinating institution has its Leitung: it is named, not listed as missing.
    assert f"Leitung: {leader_user.get_full_name()}" not in page  # complete partners are left out
    assert page.count('class="fw-semibold">') == 1


def test_subgroup_without_members_offers_an_invitation(client_for, agreement, coordinator, partner_institution):
    structure_service.create_subgroups(agreement, SubgroupScope.INSTITUTION, coordinator)
    page = _page(client_for(coordinator).get(reverse("structure_subgroups", args=[agreement.pk])))
    assert page.count(">noch niemand</span>") == 2
    assert _request_url(agreement, partner_institution, "untergruppe") in page


def test_member_sees_who_staffs_an_empty_subgroup_without_a_link(client_for, agreement, coordinator, member):
    structure_service.create_subgroups(agreement, SubgroupScope.INSTITUTION, coordinator)
    page = _page(client_for(member).get(reverse("structure_subgroups", args=[agreement.pk])))
    assert "person-einladen" not in page
    assert "Die Koordination der Vereinbarung besetzt die Untergruppe oder lädt eine Person ein." in page


# --- Asking, confirming, refusing -----------------------------------------------------------


def test_request_for_another_partner_waits_for_its_koordination(
    client_for, agreement, coordinator, partner_institution, partner_coordinator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _ask(client_for(coordinator), agreement, partner_institution)

    assert response.redirect_chain[-1][0] == reverse("structure_board", args=[agreement.pk])
    assert (
        "Die Anfrage ist bei der Koordination von „Klinikum Teststadt“; nach deren Bestätigung geht die Einladung "
        "an lena.leitner@klinikum.example." in _messages(response)
    )
    invitation = Invitation.objects.get()
    assert (invitation.status, invitation.institution, invitation.role, invitation.invited_by) == (
        Invitation.Status.REQUESTED,
        partner_institution,
        Role.LEITUNG,
        coordinator,
    )
    assert invitation.purpose == "Leitung, unterzeichnet für die Institution – Kooperationsvereinbarung Teststadt"
    account = invitation.user
    assert (account.is_active, account.has_usable_password(), account.first_name) == (False, False, "Lena")
    assert not Membership.objects.filter(user=account).exists()
    # Nothing goes to the person yet; the partner's Koordination is asked in the bell and by mail.
    assert [m.to for m in mail.outbox] == [[partner_coordinator.email]]
    note = Notification.objects.get(user=partner_coordinator)
    assert note.kind == NotificationKind.ROLE
    assert note.subject == "Bitte bestätigen: Einladung für Klinikum Teststadt"
    assert note.path == reverse("invitation_request", args=[invitation.pk])
    assert "Lena Leitner als Leitung für Klinikum Teststadt" in note.message
    # The board page shows the open request.
    page = _page(client_for(coordinator).get(reverse("structure_board", args=[agreement.pk])))
    assert "Lena Leitner (Leitung): angefragt, wartet auf Bestätigung" in page


def test_without_a_koordination_administration_is_asked(
    client_for, agreement, coordinator, partner_institution, admin_user
):
    _ask(client_for(coordinator), agreement, partner_institution)
    assert list(Notification.objects.values_list("user", flat=True)) == [admin_user.pk]


def test_confirmation_gives_the_role_and_sends_the_invitation(
    client,
    client_for,
    agreement,
    coordinator,
    partner_institution,
    partner_coordinator,
    django_capture_on_commit_callbacks,
    settings,
):
    _ask(client_for(coordinator), agreement, partner_institution)
    invitation = Invitation.objects.get()
    mail.outbox.clear()
    page = _page(client_for(partner_coordinator).get(reverse("invitation_request", args=[invitation.pk])))
    assert "Bestätigen und einladen" in page
    assert "Leitung, unterzeichnet für die Institution – Kooperationsvereinbarung Teststadt" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(partner_coordinator).post(
            reverse("invitation_request", args=[invitation.pk]), {"action": "confirm"}, follow=True
        )

    assert "Die Einladung an lena.leitner@klinikum.example wurde verschickt." in _messages(response)
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.SENT
    assert Membership.objects.filter(user=invitation.user, institution=partner_institution, role=Role.LEITUNG).exists()
    assert User.objects.get(pk=invitation.user_id).is_active
    to_person = [m for m in mail.outbox if m.to == ["lena.leitner@klinikum.example"]]
    assert [m.subject for m in to_person] == ["Ihr Zugang zu Kooperation"]
    assert Notification.objects.filter(user=coordinator, subject="Einladung bestätigt").exists()
    # The link sets the password; the Leitung now stands on the board page.
    link = re.search(re.escape(settings.SITE_URL) + r"(/konto/einladung/\S+/)", to_person[0].body).group(1)
    client.logout()
    client.post(link, {"new_password1": "Neues-Passwort-2026", "new_password2": "Neues-Passwort-2026"})
    page = _page(client_for(coordinator).get(reverse("structure_board", args=[agreement.pk])))
    assert "Klinikum Teststadt</span>" not in page  # nothing missing any more
    assert _request_url(agreement, partner_institution, "leitung") not in page


def test_refusal_tells_whoever_asked_and_sends_nothing_to_the_person(
    client_for, agreement, coordinator, partner_institution, partner_coordinator
):
    _ask(client_for(coordinator), agreement, partner_institution)
    invitation = Invitation.objects.get()
    mail.outbox.clear()
    url = reverse("invitation_request", args=[invitation.pk])
    empty = client_for(partner_coordinator).post(url, {"action": "decline", "reason": ""})
    assert empty.context["decline_form"].errors == {"reason": ["Dieses Feld ist zwingend erforderlich."]}

    response = client_for(partner_coordinator).post(
        url, {"action": "decline", "reason": "Frau Leitner ist nicht mehr bei uns."}, follow=True
    )

    assert "Die Anfrage wurde abgelehnt; die anfragende Person erfährt es." in _messages(response)
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.DECLINED
    assert not Membership.objects.filter(user=invitation.user).exists()
    assert not User.objects.get(pk=invitation.user_id).is_active
    note = Notification.objects.get(user=coordinator, subject="Einladung abgelehnt")
    assert note.message == "Klinikum Teststadt lädt Lena Leitner nicht ein: Frau Leitner ist nicht mehr bei uns."
    assert "lena.leitner@klinikum.example" not in [address for m in mail.outbox for address in m.to]
    # Decided once: a second decision is refused with a German message.
    again = client_for(partner_coordinator).post(url, {"action": "confirm"}, follow=True)
    assert "Über diese Anfrage wurde bereits entschieden (abgelehnt)." in _messages(again)
    # The address may be asked for again later.
    _ask(client_for(coordinator), agreement, partner_institution)
    assert Invitation.objects.filter(status=Invitation.Status.REQUESTED).count() == 1


def test_own_koordination_invites_directly(
    client_for, agreement, coordinator, institution, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _ask(client_for(coordinator), agreement, institution, "gremium", role="mitglied")
    assert "Die Einladung an lena.leitner@klinikum.example ist verschickt." in _messages(response)
    invitation = Invitation.objects.get()
    assert invitation.status == Invitation.Status.SENT
    assert Membership.objects.filter(user=invitation.user, institution=institution, role=Role.MITGLIED).exists()
    assert [m.to for m in mail.outbox] == [["lena.leitner@klinikum.example"]]


def test_an_existing_address_is_refused_at_the_field(client_for, agreement, coordinator, partner_institution, member):
    response = client_for(coordinator).post(
        _request_url(agreement, partner_institution), {**PERSON, "email": member.email.upper()}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [
        "Zu dieser E-Mail-Adresse gibt es bereits ein Konto. Die Administration kann diesem Konto eine Rolle geben."
    ]
    assert not Invitation.objects.exists()


def test_koordination_cannot_be_asked_for(client_for, agreement, coordinator, partner_institution):
    response = client_for(coordinator).post(
        _request_url(agreement, partner_institution), {**PERSON, "role": "koordination"}
    )
    assert "role" in response.context["form"].errors
    assert not Invitation.objects.exists()


# --- Who may ask, who may decide ------------------------------------------------------------


def test_asking_is_for_the_agreements_koordination(
    client, client_for, agreement, member, outsider, partner_institution, other_institution, coordinator
):
    url = _request_url(agreement, partner_institution)
    assert client.get(url)["Location"].startswith(reverse("login"))
    assert client_for(outsider).get(url).status_code == 404
    refused = client_for(member).post(url, PERSON)
    assert refused.status_code == 403
    assert "Die Vereinbarung bearbeitet nur die Koordination einer Partnerinstitution." in _page(refused)
    # Only for a partner of this agreement.
    not_partner = reverse("agreement_person_request", args=[agreement.pk, other_institution.pk])
    assert client_for(coordinator).get(not_partner).status_code == 404
    assert not Invitation.objects.exists()


def test_deciding_is_for_the_partners_koordination_and_administration(
    client_for, agreement, coordinator, partner_institution, partner_coordinator, outsider, member, admin_user
):
    _ask(client_for(coordinator), agreement, partner_institution)
    invitation = Invitation.objects.get()
    url = reverse("invitation_request", args=[invitation.pk])
    # Others never learn of the request.
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(member).get(url).status_code == 404
    assert client_for(MembershipFactory(institution=partner_institution).user).get(url).status_code == 404
    # Whoever asked sees it, but does not decide.
    page = _page(client_for(coordinator).get(url))
    assert "Über die Anfrage entscheiden die Koordination von „Klinikum Teststadt“ und die Administration." in page
    assert client_for(coordinator).post(url, {"action": "confirm"}).status_code == 403
    # Administration decides as well.
    client_for(admin_user).post(url, {"action": "confirm"})
    assert Invitation.objects.get().status == Invitation.Status.SENT


def test_request_list_shows_what_to_decide(
    client_for, agreement, coordinator, partner_institution, partner_coordinator, outsider
):
    _ask(client_for(coordinator), agreement, partner_institution)
    mine = _page(client_for(partner_coordinator).get(reverse("invitation_request_list")))
    assert "Lena Leitner</a> – Leitung, Klinikum Teststadt" in mine
    assert "wartet auf Bestätigung" not in mine
    asked = _page(client_for(coordinator).get(reverse("invitation_request_list")))
    assert "wartet auf Bestätigung" in asked
    assert "Keine offenen Anfragen." in _page(client_for(outsider).get(reverse("invitation_request_list")))


def test_request_pages_query_counts_do_not_grow(
    client_for, agreement, coordinator, partner_institution, partner_coordinator, django_assert_num_queries
):
    for n in range(5):
        _ask(client_for(coordinator), agreement, partner_institution, email=f"person{n}@anfrage.example")
    first = Invitation.objects.order_by("pk").first()
    pages = [
        (partner_coordinator, reverse("invitation_request_list"), 5),
        (partner_coordinator, reverse("invitation_request", args=[first.pk]), 4),
        (coordinator, _request_url(agreement, partner_institution), 6),
    ]
    for user, url, count in pages:
        client = client_for(user)
        client.get(url)  # the first visit after signing in writes the session
        with django_assert_num_queries(count):
            assert client.get(url).status_code == 200


def test_subgroup_created_later_keeps_the_invited_person_choosable(
    client_for, agreement, coordinator, institution, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _ask(client_for(coordinator), agreement, institution, "untergruppe", role="fachkraft")
    structure_service.create_subgroups(agreement, SubgroupScope.INSTITUTION, coordinator)
    subgroup = Subgroup.objects.get(agreement=agreement, institution=institution)
    form = client_for(coordinator).get(reverse("subgroup_edit", args=[subgroup.pk])).context["form"]
    assert "lena.leitner@klinikum.example" in [u.email for u in form.fields["members"].queryset]


# --- Demo data ------------------------------------------------------------------------------


def test_demo_has_a_request_for_the_drogenberatungs_koordination_to_confirm(client, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # An earlier live-server test may have flushed what the migrations loaded.
    if not Arbeitsfeld.objects.exists():
        importlib.import_module("kooperation.network.migrations.0002_default_arbeitsfelder").create_fields(apps, None)
    if not CatalogueEntry.objects.exists():
        importlib.import_module("agreements.migrations.0002_default_catalogues").load_catalogues(apps, None)
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())

    invitation = Invitation.objects.get(status=Invitation.Status.REQUESTED)
    assert (invitation.user.email, invitation.role) == ("fachkraft.neu@kooperation.example", Role.FACHKRAFT)
    assert invitation.invited_by.email == "koordination@kooperation.example"
    url = reverse("invitation_request", args=[invitation.pk])
    expected = {"koordination.drobe": True, "admin": True, "koordination": False}
    for login, decides in expected.items():
        account = User.objects.get(email=f"{login}@kooperation.example")
        client.force_login(account)
        page = client.get(url).content.decode()
        assert ("Bestätigen und einladen" in page) is decides, login
    drobe = User.objects.get(email="koordination.drobe@kooperation.example")
    assert Notification.objects.filter(user=drobe, path=url).exists()
    client.force_login(User.objects.get(email="mitglied@kooperation.example"))
    assert client.get(url).status_code == 404


def test_subgroup_form_without_anybody_to_choose_says_so_and_links_the_invitation(
    client_for, agreement, coordinator, partner_institution
):
    structure_service.create_subgroups(agreement, SubgroupScope.INSTITUTION, coordinator)
    subgroup = Subgroup.objects.get(agreement=agreement, institution=partner_institution)
    page = _page(client_for(coordinator).get(reverse("subgroup_edit", args=[subgroup.pk])))
    assert (
        "Noch niemand aus dieser Institution (bzw. diesem Arbeitsfeld) hat ein Konto – laden Sie unten eine Person ein."
        in page
    )
    assert _request_url(agreement, partner_institution, "untergruppe") in page
