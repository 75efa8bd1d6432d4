"""The network directory (Netzwerk): list, detail, institution upkeep, contacts, offers, Leitung."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs

import pytest
from django.test import Client
from django.urls import reverse

from kooperation.network.models import Contact, Institution, Leader, Offer, Role
from tests.factories import (
    ArbeitsfeldFactory,
    ContactFactory,
    InstitutionFactory,
    LeaderFactory,
    MembershipFactory,
    OfferFactory,
    UserFactory,
    form_data,
    formset_data,
)

pytestmark = pytest.mark.django_db

SIZES = [3, 30]

REQUIRED = "Dieses Feld ist zwingend erforderlich."
POSTAL_CODE = "Die Postleitzahl besteht aus fünf Ziffern."
PHONE = "Bitte eine Telefonnummer nur mit Ziffern, Leerzeichen und + ( ) / - angeben."
INVALID_CHOICE = "Bitte eine gültige Auswahl treffen. Dies ist keine gültige Auswahl."
CONFLICT = "Diese Angaben wurden gespeichert, während Sie sie bearbeitet haben."


def _network(size: int) -> list[Institution]:
    """`size` further institutions in three fields, each with offers, contacts, Leitung and members."""
    fields = [ArbeitsfeldFactory(name=name) for name in ("Jugendhilfe", "Drogenhilfe", "Schule")]
    institutions = []
    for number in range(size):
        other = InstitutionFactory(arbeitsfeld=fields[number % 3])
        OfferFactory.create_batch(2, institution=other)
        ContactFactory.create_batch(2, institution=other)
        LeaderFactory(institution=other)
        MembershipFactory(institution=other, role=Role.MITGLIED)
        institutions.append(other)
    return institutions


def _fill(institution: Institution, size: int) -> None:
    """Give `institution` `size` contacts, offers, Leitung entries (with accounts) and members."""
    for _number in range(size):
        ContactFactory(institution=institution)
        OfferFactory(institution=institution)
        account = MembershipFactory(institution=institution, role=Role.LEITUNG).user
        LeaderFactory(institution=institution, user=account)


def _names(response) -> list[str]:
    return [institution.name for institution in response.context["page_obj"]]


def _field_errors(response, field: str, form: str = "form") -> list[str]:
    return list(response.context[form].errors.get(field, []))


# --- query counts: pinned, and the same for 3 and 30 rows --------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_directory_query_count_does_not_grow(size, client_for, member, django_assert_num_queries):
    _network(size)
    client = client_for(member)
    with django_assert_num_queries(9):
        response = client.get(reverse("institution_list"))
    assert len(response.context["page_obj"]) == min(size + 1, 20)


@pytest.mark.parametrize("size", SIZES)
def test_directory_second_page_query_count_does_not_grow(size, client_for, member, django_assert_num_queries):
    _network(size + 20)
    client = client_for(member)
    with django_assert_num_queries(9):
        response = client.get(reverse("institution_list"), {"page": 2})
    assert response.context["page_obj"].number == 2


@pytest.mark.parametrize("size", SIZES)
def test_directory_search_query_count_does_not_grow(size, client_for, admin_user, django_assert_num_queries):
    _network(size)
    client = client_for(admin_user)
    with django_assert_num_queries(9):
        response = client.get(reverse("institution_list"), {"q": "Angebot", "status": "alle"})
    assert len(response.context["page_obj"]) == min(size, 20)


@pytest.mark.parametrize("size", SIZES)
def test_detail_query_count_does_not_grow(size, client_for, member, institution, django_assert_num_queries):
    _fill(institution, size)
    client = client_for(member)
    with django_assert_num_queries(10):
        response = client.get(reverse("institution_detail", args=[institution.pk]))
    assert len(response.context["contacts"]) == size


@pytest.mark.parametrize("size", SIZES)
def test_detail_query_count_for_administration_does_not_grow(
    size, client_for, admin_user, institution, django_assert_num_queries
):
    _fill(institution, size)
    client = client_for(admin_user)
    with django_assert_num_queries(10):
        response = client.get(reverse("institution_detail", args=[institution.pk]))
    assert len(response.context["members"]) == size


@pytest.mark.parametrize("size", SIZES)
def test_institution_edit_query_count_does_not_grow(
    size, client_for, admin_user, institution, django_assert_num_queries
):
    _network(size)
    _fill(institution, size)
    client = client_for(admin_user)
    with django_assert_num_queries(7):
        response = client.get(reverse("institution_edit", args=[institution.pk]))
    assert response.status_code == 200


@pytest.mark.parametrize("size", SIZES)
def test_institution_create_query_count_does_not_grow(size, client_for, admin_user, django_assert_num_queries):
    ArbeitsfeldFactory.create_batch(size)
    client = client_for(admin_user)
    with django_assert_num_queries(6):
        response = client.get(reverse("institution_create"))
    assert response.status_code == 200


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("url_name", ["institution_contacts", "institution_offers"])
def test_directory_entry_rows_query_count_does_not_grow(
    size, url_name, client_for, coordinator, institution, django_assert_num_queries
):
    _fill(institution, size)
    client = client_for(coordinator)
    with django_assert_num_queries(8):
        response = client.get(reverse(url_name, args=[institution.pk]))
    assert response.context["formset"].initial_form_count() == size


@pytest.mark.parametrize("size", SIZES)
def test_leader_rows_query_count_does_not_grow(size, client_for, admin_user, institution, django_assert_num_queries):
    _fill(institution, size)
    client = client_for(admin_user)
    with django_assert_num_queries(8):
        response = client.get(reverse("institution_leaders", args=[institution.pk]))
    assert response.context["formset"].initial_form_count() == size


# --- directory: filter, search, pagination -------------------------------------------------------


def test_directory_filters_by_arbeitsfeld(client_for, member):
    jugend = ArbeitsfeldFactory(name="Jugendhilfe")
    drogen = ArbeitsfeldFactory(name="Drogenhilfe")
    InstitutionFactory(name="Jugendamt Nord", arbeitsfeld=jugend)
    InstitutionFactory(name="Suchtberatung Süd", arbeitsfeld=drogen)
    response = client_for(member).get(reverse("institution_list"), {"arbeitsfeld": drogen.pk})
    assert _names(response) == ["Suchtberatung Süd"]


@pytest.mark.parametrize(
    "query",
    ["Familienhebammen", "familienhebammen", "Elternkurs", "Renate Roth", "Säuglingspflege"],
    ids=["name", "name-case-insensitive", "offer-title", "contact-name", "contact-responsibility"],
)
def test_search_finds_institution_by_name_offer_and_contact(client_for, member, query):
    target = InstitutionFactory(name="Familienhebammen Lindenbrück")
    OfferFactory(institution=target, title="Elternkurs Starke Eltern")
    ContactFactory(institution=target, name="Renate Roth", responsibility="Beratung zur Säuglingspflege")
    InstitutionFactory(name="Schulamt")
    response = client_for(member).get(reverse("institution_list"), {"q": query})
    assert _names(response) == ["Familienhebammen Lindenbrück"]


def test_search_lists_an_institution_once_when_several_offers_match(client_for, member):
    target = InstitutionFactory(name="Beratungsstelle")
    OfferFactory.create_batch(3, institution=target, title="Gruppenangebot")
    ContactFactory.create_batch(2, institution=target, responsibility="Gruppenangebot")
    response = client_for(member).get(reverse("institution_list"), {"q": "Gruppenangebot"})
    assert _names(response) == ["Beratungsstelle"]
    assert response.context["page_obj"].paginator.count == 1


def test_search_without_match_says_so(client_for, member, institution):
    response = client_for(member).get(reverse("institution_list"), {"q": "Gibtesnicht"})
    assert _names(response) == []
    assert "Keine Institution passt zu diesem Filter." in response.content.decode()


def test_directory_paginates_twenty_per_page(client_for, member):
    for number in range(25):
        InstitutionFactory(name=f"Stelle {number:02d}")
    client = client_for(member)
    first = client.get(reverse("institution_list"))
    second = client.get(reverse("institution_list"), {"page": 2})
    everything = sorted(Institution.objects.values_list("name", flat=True))
    assert len(everything) == 26  # the member's own institution, too
    assert _names(first) == everything[:20]
    assert _names(second) == everything[20:]
    assert "Seite 1 von 2" in first.content.decode()


def test_pagination_links_keep_the_filter(client_for, member):
    field = ArbeitsfeldFactory(name="Schule")
    for number in range(22):
        InstitutionFactory(name=f"Schule {number:02d}", arbeitsfeld=field)
    InstitutionFactory(name="Ganz woanders")
    response = client_for(member).get(reverse("institution_list"), {"arbeitsfeld": field.pk, "q": "Schule"})
    links = re.findall(r'href="\?([^"]*)"', response.content.decode())
    assert [parse_qs(html.unescape(link)) for link in links] == [
        {"arbeitsfeld": [str(field.pk)], "q": ["Schule"], "page": ["2"]}
    ]


@pytest.mark.parametrize("page", ["99", "abc", "-1"])
def test_out_of_range_or_garbage_page_is_not_an_error(client_for, member, page):
    for number in range(25):
        InstitutionFactory(name=f"Stelle {number:02d}")
    response = client_for(member).get(reverse("institution_list"), {"page": page})
    assert response.status_code == 200
    assert len(response.context["page_obj"]) in (20, 6)


def test_too_long_search_gets_a_german_field_error(client_for, member):
    response = client_for(member).get(reverse("institution_list"), {"q": "x" * 101})
    assert response.status_code == 200
    message = "Bitte sicherstellen, dass der Wert aus höchstens 100 Zeichen besteht. (Er besteht aus 101 Zeichen.)"
    assert response.context["filter_form"].errors["q"] == [message]
    assert message in response.content.decode()


@pytest.mark.parametrize("value", ["abc", "999999", "1'; DROP TABLE"])
def test_unknown_arbeitsfeld_in_the_filter_is_not_a_server_error(client_for, member, institution, value):
    response = client_for(member).get(reverse("institution_list"), {"arbeitsfeld": value})
    assert response.status_code == 200
    assert _names(response) == [institution.name]


def test_members_cannot_ask_for_deactivated_institutions(client_for, member, institution):
    InstitutionFactory(name="Alte Stelle", is_active=False)
    response = client_for(member).get(reverse("institution_list"), {"status": "alle"})
    assert _names(response) == [institution.name]
    assert "status" not in response.context["filter_form"].fields


# --- detail --------------------------------------------------------------------------------------


def test_detail_shows_contacts_offers_and_leitung(client_for, outsider, institution):
    ContactFactory(institution=institution, name="Renate Roth", responsibility="Kinderschutz")
    OfferFactory(institution=institution, title="Elternberatung")
    LeaderFactory(institution=institution, name="Dr. Hanna Berg", function="Amtsleitung")
    content = client_for(outsider).get(reverse("institution_detail", args=[institution.pk])).content.decode()
    assert "Renate Roth" in content
    assert "Elternberatung" in content
    assert "Dr. Hanna Berg, Amtsleitung" in content


@pytest.mark.parametrize(("phone", "href"), [("0555 1000-0", "tel:055510000"), ("+49 (555) 12 / 34", "tel:+495551234")])
def test_the_phone_link_has_no_spaces_or_separators(client_for, outsider, institution, phone, href):
    institution.phone = phone
    institution.save()
    content = client_for(outsider).get(reverse("institution_detail", args=[institution.pk])).content.decode()
    assert f'<a href="{href}">{html.escape(phone)}</a>' in content


def test_own_coordination_sees_the_edit_links_and_a_member_does_not(client_for, coordinator, member, institution):
    url = reverse("institution_detail", args=[institution.pk])
    contacts_url = reverse("institution_contacts", args=[institution.pk])
    assert contacts_url in client_for(coordinator).get(url).content.decode()
    assert contacts_url not in Client().get(url).content.decode()  # anonymous: login redirect
    client = Client()
    client.force_login(member)
    assert contacts_url not in client.get(url).content.decode()


def test_only_administration_sees_the_accounts_of_an_institution(client_for, admin_user, coordinator, institution):
    url = reverse("institution_detail", args=[institution.pk])
    assert list(client_for(coordinator).get(url).context["members"]) == []
    other = Client()
    other.force_login(admin_user)
    assert [m.user for m in other.get(url).context["members"]] == [coordinator]


# --- deactivation --------------------------------------------------------------------------------


def test_deactivating_hides_the_institution_from_non_admins_and_keeps_it(client_for, admin_user, member, institution):
    ContactFactory(institution=institution)
    response = client_for(admin_user).post(reverse("institution_deactivate", args=[institution.pk]))
    assert response.status_code == 302
    institution.refresh_from_db()
    assert institution.is_active is False
    assert institution.contacts.count() == 1

    viewer = Client()
    viewer.force_login(member)
    assert institution.name not in _names(viewer.get(reverse("institution_list")))
    assert viewer.get(reverse("institution_detail", args=[institution.pk])).status_code == 404


def test_administration_still_finds_a_deactivated_institution(client_for, admin_user, institution):
    Institution.objects.filter(pk=institution.pk).update(is_active=False)
    client = client_for(admin_user)
    assert _names(client.get(reverse("institution_list"), {"status": "inaktiv"})) == [institution.name]
    assert _names(client.get(reverse("institution_list"))) == []
    assert client.get(reverse("institution_detail", args=[institution.pk])).status_code == 200


def test_reactivating_shows_the_institution_again(client_for, admin_user, member, institution):
    Institution.objects.filter(pk=institution.pk).update(is_active=False)
    client_for(admin_user).post(reverse("institution_activate", args=[institution.pk]))
    viewer = Client()
    viewer.force_login(member)
    assert viewer.get(reverse("institution_detail", args=[institution.pk])).status_code == 200


def test_get_on_deactivate_changes_nothing(client_for, admin_user, institution):
    response = client_for(admin_user).get(reverse("institution_deactivate", args=[institution.pk]))
    assert response.status_code == 405
    institution.refresh_from_db()
    assert institution.is_active is True


def test_refused_deactivation_changes_nothing(client_for, coordinator, institution):
    response = client_for(coordinator).post(reverse("institution_deactivate", args=[institution.pk]))
    assert response.status_code == 403
    assert "Nur die Administration verwaltet Institutionen" in response.content.decode()
    institution.refresh_from_db()
    assert institution.is_active is True


def test_a_deactivated_institutions_coordination_loses_its_edit_right(client_for, coordinator, institution):
    Institution.objects.filter(pk=institution.pk).update(is_active=False)
    response = client_for(coordinator).get(reverse("institution_contacts", args=[institution.pk]))
    assert response.status_code == 404


# --- institution form ----------------------------------------------------------------------------


def _institution_post(field_of_work, **changes) -> dict:
    data = {
        "name": "Kinderschutzbund Lindenbrück",
        "short_name": "DKSB",
        "arbeitsfeld": field_of_work.pk,
        "street": "Lindenweg 3",
        "postal_code": "12345",
        "city": "Lindenbrück",
        "phone": "+49 (0)30 / 123 45-6",
        "email": "info@dksb.example",
        "website": "https://dksb.example",
    }
    data.update(changes)
    return data


def test_administration_creates_an_institution(client_for, admin_user):
    field = ArbeitsfeldFactory(name="Jugendhilfe")
    response = client_for(admin_user).post(reverse("institution_create"), _institution_post(field))
    created = Institution.objects.get(name="Kinderschutzbund Lindenbrück")
    assert response.status_code == 302
    assert response["Location"] == created.get_absolute_url()
    assert created.arbeitsfeld == field
    assert created.postal_code == "12345"


def test_website_without_scheme_is_saved_with_https(client_for, admin_user):
    field = ArbeitsfeldFactory()
    client_for(admin_user).post(reverse("institution_create"), _institution_post(field, website="dksb.example"))
    assert Institution.objects.get(name="Kinderschutzbund Lindenbrück").website == "https://dksb.example"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("postal_code", "1234", POSTAL_CODE),
        ("postal_code", "1234a", POSTAL_CODE),
        ("name", "", REQUIRED),
        ("short_name", "", REQUIRED),
        ("arbeitsfeld", "", REQUIRED),
        ("arbeitsfeld", "abc", INVALID_CHOICE),
        ("phone", "0800-KINDER", PHONE),
        ("email", "keine-adresse", "Bitte gültige E-Mail-Adresse eingeben."),
        ("website", "https://", "Bitte eine gültige Adresse eingeben."),
        ("name", "x" * 201, "Bitte sicherstellen, dass der Wert aus höchstens 200 Zeichen besteht."),
    ],
)
def test_invalid_institution_input_gets_a_german_field_error(client_for, admin_user, field, value, message):
    arbeitsfeld = ArbeitsfeldFactory()
    data = _institution_post(arbeitsfeld, **{field: value})
    response = client_for(admin_user).post(reverse("institution_create"), data)
    assert response.status_code == 200
    errors = _field_errors(response, field)
    assert any(error.startswith(message) for error in errors), errors
    assert message in response.content.decode()
    assert not Institution.objects.filter(name=data["name"]).exists()


def test_duplicate_institution_name_gets_a_german_field_error(client_for, admin_user, institution):
    data = _institution_post(institution.arbeitsfeld, name=institution.name)
    response = client_for(admin_user).post(reverse("institution_create"), data)
    assert response.status_code == 200
    assert _field_errors(response, "name") == ["Institution mit diesem Wert für das Feld Name existiert bereits."]
    assert Institution.objects.filter(name=institution.name).count() == 1


def test_inactive_arbeitsfeld_cannot_be_chosen_for_a_new_institution(client_for, admin_user):
    old = ArbeitsfeldFactory(name="Altes Feld", is_active=False)
    response = client_for(admin_user).post(reverse("institution_create"), _institution_post(old))
    assert _field_errors(response, "arbeitsfeld") == [INVALID_CHOICE]


def test_institution_keeps_its_arbeitsfeld_after_the_field_is_retired(client_for, admin_user, institution):
    type(institution.arbeitsfeld).objects.filter(pk=institution.arbeitsfeld_id).update(is_active=False)
    client = client_for(admin_user)
    form = client.get(reverse("institution_edit", args=[institution.pk])).context["form"]
    data = form_data(form)
    data["city"] = "Neustadt"
    response = client.post(reverse("institution_edit", args=[institution.pk]), data)
    assert response.status_code == 302
    institution.refresh_from_db()
    assert institution.city == "Neustadt"


def _two_editors(admin_user, url):
    """Two browser sessions of Administration that loaded the same form."""
    second_admin = UserFactory(is_administration=True)
    first, second = Client(), Client()
    first.force_login(admin_user)
    second.force_login(second_admin)
    return first, form_data(first.get(url).context["form"]), second, form_data(second.get(url).context["form"])


def test_stale_institution_save_gets_a_conflict_and_keeps_the_input(admin_user, institution):
    url = reverse("institution_edit", args=[institution.pk])
    first, first_data, second, second_data = _two_editors(admin_user, url)
    first_data["city"] = "Erststadt"
    assert first.post(url, first_data).status_code == 302

    second_data["city"] = "Zweitstadt"
    second_data["description"] = "Meine Beschreibung"
    response = second.post(url, second_data)

    assert response.status_code == 200
    content = response.content.decode()
    assert CONFLICT in content
    changes = {change.label: (change.saved, change.yours) for change in response.context["form"].conflict_changes}
    assert changes["Ort"] == ("Erststadt", "Zweitstadt")
    assert changes["Kurzbeschreibung"] == ("–", "Meine Beschreibung")
    assert '<td class="conflict-saved">Erststadt</td>' in content
    assert '<td class="conflict-yours">Zweitstadt</td>' in content
    assert 'value="Zweitstadt"' in content  # the form still holds the second editor's input
    institution.refresh_from_db()
    assert (institution.city, institution.description) == ("Erststadt", "")


def test_saving_again_after_a_conflict_takes_over_your_version(admin_user, institution):
    url = reverse("institution_edit", args=[institution.pk])
    first, first_data, second, second_data = _two_editors(admin_user, url)
    first.post(url, {**first_data, "city": "Erststadt"})
    conflict = second.post(url, {**second_data, "city": "Zweitstadt"})

    response = second.post(url, form_data(conflict.context["form"]))

    assert response.status_code == 302
    institution.refresh_from_db()
    assert institution.city == "Zweitstadt"


def test_saving_an_open_edit_form_does_not_undo_a_deactivation_meanwhile(admin_user, institution):
    """Deactivating does not bump the version, and the edit form does not carry is_active."""
    url = reverse("institution_edit", args=[institution.pk])
    first, _first_data, second, second_data = _two_editors(admin_user, url)
    first.post(reverse("institution_deactivate", args=[institution.pk]))
    response = second.post(url, {**second_data, "city": "Zweitstadt"})
    assert response.status_code == 302
    institution.refresh_from_db()
    assert (institution.city, institution.is_active) == ("Zweitstadt", False)


# --- contacts, offers (own Koordination) and Leitung (Administration) ----------------------------


def _rows(client, url_name, institution):
    return formset_data(client.get(reverse(url_name, args=[institution.pk])).context["formset"])


def test_own_coordination_adds_and_edits_contacts(client_for, coordinator, institution):
    existing = ContactFactory(institution=institution, name="Alt", responsibility="Kinderschutz")
    client = client_for(coordinator)
    data = _rows(client, "institution_contacts", institution)
    data["contacts-0-name"] = "Renate Roth"
    data.update({"contacts-1-name": "Neue Person", "contacts-1-responsibility": "Frühe Hilfen"})

    response = client.post(reverse("institution_contacts", args=[institution.pk]), data)

    assert response.status_code == 302
    assert response["Location"] == institution.get_absolute_url()
    assert list(institution.contacts.values_list("name", "responsibility", "position")) == [
        ("Renate Roth", "Kinderschutz", 0),
        ("Neue Person", "Frühe Hilfen", 1),
    ]
    existing.refresh_from_db()
    assert existing.version == 2


def test_own_coordination_deletes_a_contact(client_for, coordinator, institution):
    ContactFactory(institution=institution, name="Geht")
    client = client_for(coordinator)
    data = _rows(client, "institution_contacts", institution)
    data["contacts-0-DELETE"] = "on"
    client.post(reverse("institution_contacts", args=[institution.pk]), data)
    assert not institution.contacts.exists()


def test_member_cannot_change_contacts(client_for, member, institution):
    contact = ContactFactory(institution=institution, name="Bleibt")
    data = {
        "contacts-TOTAL_FORMS": "1",
        "contacts-INITIAL_FORMS": "1",
        "contacts-0-id": contact.pk,
        "contacts-0-name": "Geändert",
        "contacts-0-responsibility": "x",
        "contacts-0-version": "1",
    }
    response = client_for(member).post(reverse("institution_contacts", args=[institution.pk]), data)
    assert response.status_code == 403
    contact.refresh_from_db()
    assert contact.name == "Bleibt"


def test_coordination_of_another_institution_cannot_change_contacts(client_for, outsider, institution):
    response = client_for(outsider).post(reverse("institution_contacts", args=[institution.pk]), {})
    assert response.status_code == 403
    assert "Jugendamt Teststadt" in response.content.decode()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("responsibility", "", REQUIRED),
        ("name", "", REQUIRED),
        ("phone", "bitte anrufen", PHONE),
        ("email", "roth@", "Bitte gültige E-Mail-Adresse eingeben."),
    ],
)
def test_invalid_contact_row_gets_a_german_field_error(client_for, coordinator, institution, field, value, message):
    ContactFactory(institution=institution, name="Renate Roth", responsibility="Kinderschutz")
    client = client_for(coordinator)
    data = _rows(client, "institution_contacts", institution)
    data[f"contacts-0-{field}"] = value
    response = client.post(reverse("institution_contacts", args=[institution.pk]), data)
    assert response.status_code == 200
    assert response.context["formset"].forms[0].errors[field] == [message]
    assert message in response.content.decode()
    assert institution.contacts.get().name == "Renate Roth"


def test_stale_contact_row_gets_a_conflict_with_both_versions(coordinator, institution):
    ContactFactory(institution=institution, name="Renate Roth", function="Beratung")
    url = reverse("institution_contacts", args=[institution.pk])
    first, second = Client(), Client()
    first.force_login(coordinator)
    second.force_login(coordinator)
    first_data = _rows(first, "institution_contacts", institution)
    second_data = _rows(second, "institution_contacts", institution)
    first.post(url, {**first_data, "contacts-0-function": "Leitung Beratung"})

    response = second.post(url, {**second_data, "contacts-0-function": "Fachberatung"})

    assert response.status_code == 200
    content = response.content.decode()
    assert CONFLICT in content
    row = response.context["formset"].forms[0]
    assert [(c.label, c.saved, c.yours) for c in row.conflict_changes] == [
        ("Funktion", "Leitung Beratung", "Fachberatung")
    ]
    assert 'value="Fachberatung"' in content
    assert institution.contacts.get().function == "Leitung Beratung"


def test_conflict_in_the_second_row_leaves_the_first_row_unchanged(coordinator, institution):
    first_row = ContactFactory(institution=institution, name="Erste", position=0)
    ContactFactory(institution=institution, name="Zweite", position=1)
    url = reverse("institution_contacts", args=[institution.pk])
    first, second = Client(), Client()
    first.force_login(coordinator)
    second.force_login(coordinator)
    first_data = _rows(first, "institution_contacts", institution)
    second_data = _rows(second, "institution_contacts", institution)
    first.post(url, {**first_data, "contacts-1-name": "Zweite (geändert)"})

    second_data.update(
        {
            "contacts-0-name": "Erste (von B)",
            "contacts-1-name": "Zweite (von B)",
            "contacts-2-name": "Neu von B",
            "contacts-2-responsibility": "Schule",
        }
    )
    response = second.post(url, second_data)

    assert response.status_code == 200
    assert CONFLICT in response.content.decode()
    assert response.context["formset"].forms[1].conflict_changes
    first_row.refresh_from_db()
    assert (first_row.name, first_row.version) == ("Erste", 1)
    assert list(institution.contacts.values_list("name", flat=True)) == ["Erste", "Zweite (geändert)"]


def test_contact_deleted_meanwhile_is_reported_not_a_server_error(coordinator, institution):
    contact = ContactFactory(institution=institution, name="Weg")
    url = reverse("institution_contacts", args=[institution.pk])
    client = Client()
    client.force_login(coordinator)
    data = _rows(client, "institution_contacts", institution)
    Contact.objects.filter(pk=contact.pk).delete()
    response = client.post(url, {**data, "contacts-0-name": "Doch noch da"})
    assert response.status_code == 200
    assert "Dieser Eintrag wurde inzwischen von jemand anderem gelöscht." in response.content.decode()
    assert not institution.contacts.exists()


def test_row_deleted_meanwhile_can_be_dropped_with_the_delete_box(coordinator, institution):
    gone = ContactFactory(institution=institution, name="Weg", position=0)
    ContactFactory(institution=institution, name="Bleibt", position=1)
    url = reverse("institution_contacts", args=[institution.pk])
    client = Client()
    client.force_login(coordinator)
    data = _rows(client, "institution_contacts", institution)
    Contact.objects.filter(pk=gone.pk).delete()
    response = client.post(url, {**data, "contacts-0-DELETE": "on", "contacts-1-name": "Bleibt (geändert)"})
    assert response.status_code == 302
    assert list(institution.contacts.values_list("name", flat=True)) == ["Bleibt (geändert)"]


def test_own_coordination_adds_an_offer(client_for, coordinator, institution):
    client = client_for(coordinator)
    data = _rows(client, "institution_offers", institution)
    data.update({"offers-0-title": "Elterncafé", "offers-0-target_group": "Eltern mit Babys"})
    response = client.post(reverse("institution_offers", args=[institution.pk]), data)
    assert response.status_code == 302
    assert list(Offer.objects.values_list("institution", "title")) == [(institution.pk, "Elterncafé")]


def test_offer_without_title_gets_a_german_field_error(client_for, coordinator, institution):
    client = client_for(coordinator)
    data = _rows(client, "institution_offers", institution)
    data["offers-0-target_group"] = "Eltern"
    response = client.post(reverse("institution_offers", args=[institution.pk]), data)
    assert response.status_code == 200
    assert response.context["formset"].forms[0].errors["title"] == [REQUIRED]
    assert not Offer.objects.exists()


def test_tampered_formset_is_not_a_server_error(client_for, coordinator, institution):
    response = client_for(coordinator).post(reverse("institution_offers", args=[institution.pk]), {"x": "y"})
    assert response.status_code == 200
    assert response.context["formset"].non_form_errors()


def test_administration_links_a_leitung_account_to_a_leader(client_for, admin_user, leader_user, institution):
    client = client_for(admin_user)
    data = _rows(client, "institution_leaders", institution)
    data.update({"leaders-0-name": "Lea Muster", "leaders-0-function": "Amtsleitung", "leaders-0-user": leader_user.pk})
    response = client.post(reverse("institution_leaders", args=[institution.pk]), data)
    assert response.status_code == 302
    assert Leader.objects.get().user == leader_user


def test_leader_account_must_hold_the_leitung_role_here(client_for, admin_user, member, institution):
    client = client_for(admin_user)
    data = _rows(client, "institution_leaders", institution)
    data.update({"leaders-0-name": "Mia", "leaders-0-function": "Vorstand", "leaders-0-user": member.pk})
    response = client.post(reverse("institution_leaders", args=[institution.pk]), data)
    assert response.status_code == 200
    assert response.context["formset"].forms[0].errors["user"] == [INVALID_CHOICE]
    assert not Leader.objects.exists()


def test_leader_rows_offer_only_leitung_accounts_and_show_the_linked_one(
    client_for, admin_user, leader_user, member, institution
):
    LeaderFactory(institution=institution, user=leader_user)
    LeaderFactory(institution=institution)
    response = client_for(admin_user).get(reverse("institution_leaders", args=[institution.pk]))
    content = response.content.decode()
    assert f'<option value="{leader_user.pk}" selected>' in content
    assert content.count(f'<option value="{leader_user.pk}"') == 3  # two rows and the empty row
    assert f'<option value="{member.pk}"' not in content
