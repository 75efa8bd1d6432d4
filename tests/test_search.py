"""Suche: the header's field finds what the user may open, and nothing of other institutions or others' cases."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from agreements.models import Goal
from tests.conference_fixtures import open_case, plan
from tests.factories import (
    ContactFactory,
    InstitutionFactory,
    LeaderFactory,
    OfferFactory,
    UserFactory,
)
from tests.html_check import PageCollection, validate

pytestmark = pytest.mark.django_db

URL = reverse("search")


def _search(client, text: str, **params) -> str:
    response = client.get(URL, {"q": text, **params})
    assert response.status_code == 200
    return response.content.decode()


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL, {"q": "Jugendamt"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_every_page_has_the_search_field_in_its_header(client_for, member):
    html = client_for(member).get(reverse("dashboard")).content.decode()
    assert 'role="search"' in html
    assert f'action="{URL}"' in html
    assert '<label for="kopfsuche"' in html
    assert 'name="q"' in html


def test_one_character_gets_a_german_hint_and_no_results(client_for, member, institution):
    html = _search(client_for(member), " J ")
    assert "Bitte geben Sie mindestens zwei Zeichen ein." in html
    assert institution.get_absolute_url() not in html


def test_institutions_people_and_offers_are_found(client_for, member, institution):
    ContactFactory(institution=institution, name="Hanna Kinderschutzfachkraft", responsibility="§ 8a-Beratung")
    LeaderFactory(institution=institution, name="Henrik Leitmann", function="Amtsleitung")
    OfferFactory(institution=institution, title="Elterncafé am Markt", target_group="Eltern mit Babys")
    client = client_for(member)

    html = _search(client, "Jugendamt")
    assert 'id="gruppe-institutionen"' in html
    assert institution.get_absolute_url() in html

    html = _search(client, "Hanna")
    assert 'id="gruppe-personen"' in html
    assert "Hanna Kinderschutzfachkraft" in html
    assert "Jugendamt Teststadt" in html
    assert f"{institution.get_absolute_url()}#ansprechpartner" in html
    html = _search(client, "Leitmann")
    assert "Henrik Leitmann" in html
    assert "Amtsleitung" in html
    assert f"{institution.get_absolute_url()}#leitung" in html

    html = _search(client, "Elterncafé")
    assert 'id="gruppe-angebote"' in html
    assert f"{institution.get_absolute_url()}#angebote" in html


def test_accounts_are_found_by_administration_only(client_for, member, coordinator, admin_user):
    account = UserFactory(first_name="Waltraud", last_name="Zimmermann", email="w.zimmermann@test.example")
    link = reverse("user_edit", args=[account.pk])
    html = _search(client_for(admin_user), "Waltraud Zimmermann")
    assert link in html
    assert "w.zimmermann@test.example" in html
    assert link in _search(client_for(admin_user), "w.zimmermann")
    for user in (member, coordinator):
        html = _search(client_for(user), "Zimmermann")
        assert link not in html
        assert "w.zimmermann@test.example" not in html


def test_deactivated_institutions_and_their_people_only_for_administration(client_for, member, admin_user):
    closed = InstitutionFactory(name="Altes Heim Lindenweg", is_active=False)
    ContactFactory(institution=closed, name="Lindenweg Kontakt")
    assert "Altes Heim Lindenweg" not in _search(client_for(member), "Lindenweg")
    html = _search(client_for(admin_user), "Lindenweg")
    assert closed.get_absolute_url() in html
    assert "Lindenweg Kontakt" in html


def test_agreements_by_title_and_section_text_only_for_partners(client_for, member, outsider, agreement):
    Goal.objects.create(agreement=agreement, text="Die Basisversorgung der Säuglinge ist gesichert.", position=0)
    link = agreement.get_absolute_url()
    assert link in _search(client_for(member), "Kooperationsvereinbarung")
    assert link in _search(client_for(member), "Basisversorgung")
    assert link in _search(client_for(member), "Familien")  # the preamble
    html = _search(client_for(outsider), "Basisversorgung")
    assert link not in html
    assert 'id="gruppe-vereinbarungen"' not in html
    assert link not in _search(client_for(outsider), "Kooperationsvereinbarung")


def test_case_codes_and_conferences_only_for_the_case_team(
    client_for, member, partner_worker, colleague, leader_user, outsider, admin_user, coordinator, help_case
):
    conference = plan(help_case, coordinator)
    code = help_case.code
    # On the team (also for the partner institution the consent covers); the coordinator also as the
    # owner's Koordination.
    for user in (member, partner_worker, coordinator):
        html = _search(client_for(user), code)
        assert help_case.get_absolute_url() in html
        assert conference.get_absolute_url() in html
        assert 'id="gruppe-faelle"' in html
        assert 'id="gruppe-hilfekonferenzen"' in html
    # The same institution without being on the team (also its Leitung), another institution,
    # Administration: nothing.
    for user in (colleague, leader_user, outsider, admin_user):
        html = _search(client_for(user), code)
        assert help_case.get_absolute_url() not in html
        assert conference.get_absolute_url() not in html
        assert 'id="gruppe-faelle"' not in html
        assert 'id="gruppe-hilfekonferenzen"' not in html
        assert help_case.agreement.title not in html


def test_a_part_of_the_code_finds_the_case(client_for, member, help_case):
    html = _search(client_for(member), help_case.code[-4:])
    assert help_case.get_absolute_url() in html


def test_each_group_shows_ten_and_pages_the_rest(client_for, member):
    for n in range(30):
        InstitutionFactory(name=f"Familienzentrum {n:02d}")
    client = client_for(member)
    response = client.get(URL, {"q": "Familienzentrum"})
    (group,) = response.context["groups"]
    assert [row.name for row in group["rows"]] == [f"Familienzentrum {n:02d}" for n in range(10)]
    html = response.content.decode()
    assert "Mehr Institutionen anzeigen" in html
    assert 'href="?q=Familienzentrum&amp;art=institutionen"' in html

    response = client.get(URL, {"q": "Familienzentrum", "art": "institutionen"})
    page = response.context["page_obj"]
    assert page.paginator.count == 30
    assert len(page.object_list) == 25
    assert "q=Familienzentrum&amp;art=institutionen&amp;page=2" in response.content.decode()
    response = client.get(URL, {"q": "Familienzentrum", "art": "institutionen", "page": 2})
    assert [row.name for row in response.context["page_obj"]] == [f"Familienzentrum {n:02d}" for n in range(25, 30)]


def test_no_hits_says_so(client_for, member):
    html = _search(client_for(member), "Xylophonwerkstatt")
    assert "Keine Treffer für „Xylophonwerkstatt“." in html


@pytest.mark.parametrize("text", ["'&|!:*()", "a & b | !c", "<script>", "%_%", "ab:*", "und"])
def test_odd_input_never_fails(client_for, member, text):
    html = _search(client_for(member), text)
    assert "<script>" not in html.split("<main", 1)[1]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="German stemming needs PostgreSQL full-text search")
def test_postgresql_finds_other_word_forms(client_for, member, institution):
    OfferFactory(institution=institution, title="Beratung", description="Hilfen für suchtkranke Familien")
    html = _search(client_for(member), "Familie suchtkrank")
    assert f"{institution.get_absolute_url()}#angebote" in html


def _grow(institution, coordinator, agreement, n: int) -> None:
    """`n` more matching rows of every kind the coordinator may see, and `n` cases with a conference."""
    for i in range(n):
        other = InstitutionFactory(name=f"Treffer Institution {i}")
        ContactFactory(institution=other, name=f"Treffer Person {i}")
        LeaderFactory(institution=other, name=f"Treffer Leitung {i}")
        OfferFactory(institution=other, title=f"Treffer Angebot {i}")
        Goal.objects.create(agreement=agreement, text=f"Treffer Ziel {i}", position=i)
        plan(open_case(coordinator, agreement, institution), coordinator)


@pytest.mark.parametrize("n", [1, 12])
def test_query_count_does_not_grow_with_the_hits(
    n, client_for, coordinator, institution, agreement, django_assert_num_queries
):
    _grow(institution, coordinator, agreement, n)
    client = client_for(coordinator)
    client.get(URL, {"q": "Treffer"})  # warm: session renewal
    # session, user, memberships, one query per kind (6)
    with django_assert_num_queries(9):
        html = _search(client, "Treffer")
    assert 'id="gruppe-personen"' in html
    with django_assert_num_queries(9):
        html = _search(client, "F-")
    assert 'id="gruppe-faelle"' in html
    assert 'id="gruppe-hilfekonferenzen"' in html
    # One group paged: session, user, count, page (people need no membership: every active institution shows)
    with django_assert_num_queries(4):
        _search(client, "Treffer", art="personen")


def test_the_search_pages_are_valid_html(client_for, member, institution, help_case):
    OfferFactory(institution=institution, title="Elternberatung Teststadt")
    client = client_for(member)
    pages = PageCollection()
    for params in (
        {"q": "Teststadt"},
        {"q": help_case.code},
        {"q": "Teststadt", "art": "institutionen"},
        {"q": "T"},
        {"q": "Quarkspeise"},
    ):
        response = client.get(URL, params)
        pages.add(response.request["QUERY_STRING"], response.content)
    assert validate(pages) == []
