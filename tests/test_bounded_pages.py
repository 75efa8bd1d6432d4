"""Pages whose size does not grow with the network: three times the institutions, the same page (±10 %).

Before, these pages listed every institution (select, checkboxes, matrix); now they show a page of
matches or pairs and search on the server.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agreements.services.agreement import create_agreement
from conferences.queries.access_log import case_log
from kooperation.core.widgets import MAX_MATCHES
from kooperation.network.models import Institution, Role
from tests.factories import ArbeitsfeldFactory, InstitutionFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _grow(coordinator, institution, total: int) -> None:
    """`total` institutions (with a Koordination account each), every second one starting an agreement of three."""
    fields = [ArbeitsfeldFactory() for _ in range(3)]
    have = Institution.objects.count()
    created = [InstitutionFactory(name=f"Träger {n:03d}", arbeitsfeld=fields[n % 3]) for n in range(have, total)]
    for item in created:
        MembershipFactory(user=UserFactory(), institution=item, role=Role.KOORDINATION)
    for n in range(0, len(created) - 2, 2):
        create_agreement(
            coordinator,
            title=f"Vereinbarung {n:03d}",
            preamble="",
            coordinating_institution=institution,
            institutions=created[n : n + 3],
        )


def _measure(client, url, params=None) -> tuple[int, int]:
    client.get(url, params)  # warm: session renewal, content types
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(queries), len(response.content)


def _close(small: tuple[int, int], large: tuple[int, int]) -> None:
    assert large[0] == small[0], f"queries {small[0]} → {large[0]}"
    assert abs(large[1] - small[1]) <= 0.1 * small[1], f"bytes {small[1]} → {large[1]}"


@pytest.mark.parametrize(
    ("page", "who", "params"),
    [
        ("network_picture", "admin", None),
        ("agreement_create", "coordinator", None),
        ("agreement_list", "admin", None),
        ("agreement_list", "admin", {"institution_suche": "Träger 0"}),
        ("user_list", "admin", None),
        ("institution_list", "coordinator", None),
        ("search", "admin", {"q": "Träger"}),
        ("search", "coordinator", {"q": "Träger"}),
        ("search", "coordinator", {"q": "Träger", "art": "institutionen"}),
    ],
)
def test_page_stays_the_same_size_with_three_times_the_institutions(
    page, who, params, client_for, coordinator, admin_user, institution
):
    user = {"admin": admin_user, "coordinator": coordinator}[who]
    url = reverse(page)
    _grow(coordinator, institution, 45)
    small = _measure(client_for(user), url, params)
    _grow(coordinator, institution, 135)
    large = _measure(client_for(user), url, params)
    _close(small, large)


def test_many_institutions_give_a_page_of_pairs_and_a_hint_instead_of_the_matrix(
    client_for, coordinator, admin_user, institution
):
    _grow(coordinator, institution, 60)
    response = client_for(admin_user).get(reverse("network_picture"))
    html = response.content.decode()
    assert response.context["large"]
    assert "chart-network" not in html  # the drawing (icons are small <svg>s too)
    assert "zu viele für ein lesbares Bild" in html
    assert len(response.context["pairs"].object_list) == 25
    # One institution: back to the picture, with its neighbours only.
    chosen = Institution.objects.get(name="Träger 010")
    small = client_for(admin_user).get(reverse("network_picture"), {"institution": chosen.pk})
    assert not small.context["large"]
    assert "chart-network" in small.content.decode()
    assert {n.institution.name for n in small.context["nodes"]} >= {"Träger 010", "Träger 011"}


def test_institution_search_answers_at_most_twenty_matches(client_for, coordinator, institution):
    _grow(coordinator, institution, 50)
    client = client_for(coordinator)
    response = client.get(
        reverse("institution_search"),
        {"feld": "partners", "id": "id_partners", "mehrfach": "1", "partners_suche": "Träger"},
    )
    html = response.content.decode()
    assert html.count('type="checkbox"') == MAX_MATCHES
    chosen = Institution.objects.get(name="Träger 049")
    response = client.get(
        reverse("institution_search"), {"feld": "institution", "id": "id_institution", "institution": chosen.pk}
    )
    html = response.content.decode()
    assert "<option" in html
    assert f'value="{chosen.pk}" selected' in html
    assert html.count("<option") == MAX_MATCHES + 2  # "Alle", the chosen one, 20 more


def test_partner_search_without_javascript_shows_matches_and_saves_nothing(client_for, coordinator, institution):
    _grow(coordinator, institution, 50)
    response = client_for(coordinator).post(
        reverse("agreement_create"), {"title": "", "partners_suche": "Träger 04", "_suchen": "partners"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Träger 041" in html
    assert "Träger 012" not in html
    assert "Dieses Feld ist zwingend erforderlich" not in html


def test_case_log_uses_the_case_key_index(help_case):
    sql, params = case_log(help_case).order_by("-timestamp", "-pk")[:50].query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = str(cursor.fetchall())
    assert "auditlog_logentry_case_time_idx" in plan
    if connection.vendor == "sqlite":
        # The index also gives the order (newest first): the page does not sort every entry of the case.
        assert "TEMP B-TREE" not in plan
    assert case_log(help_case).exists()


def test_institution_search_keeps_a_prefixed_field_name(client_for, coordinator, institution):
    """The partner page's form has the prefix "auswahl": the answer must carry the same name and id."""
    response = client_for(coordinator).get(
        reverse("institution_search"),
        {"feld": "auswahl-institutions", "id": "id_auswahl-institutions", "mehrfach": "1"},
    )
    html = response.content.decode()
    assert 'id="id_auswahl-institutions_treffer"' in html
    assert 'name="auswahl-institutions"' in html
