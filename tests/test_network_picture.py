"""The Netzwerkbild: nodes, edges and tables checked by hand, the Arbeitsfeld filter, and scope.

The network: "Geburt" (Jugendamt, Drogenberatung, Klinikum; in force), "Sucht und Jugend"
(Jugendamt, Drogenberatung; Entwurf), "Schulweg" (Jugendamt, Schule; in force, with an amendment
being written), and "Klinik und Schule" (Klinikum, Schule; ended). The Familienhebammen are
partner of nothing.
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.urls import reverse

from agreements.models import Agreement, Status
from agreements.queries.network_picture import RADIUS, SIZE, _one_per_series_ids, one_per_series
from agreements.services.agreement import copy_revision, create_agreement
from kooperation.network.models import Arbeitsfeld, Role
from tests.factories import InstitutionFactory, MembershipFactory, UserFactory
from tests.shared_data import built_once

pytestmark = pytest.mark.django_db


class Network:
    def __init__(self):
        def institution(name, short, field):
            return InstitutionFactory(name=name, short_name=short, arbeitsfeld=Arbeitsfeld.objects.get(name=field))

        self.ja = institution("Jugendamt Lindenbrück", "JA", "Jugendhilfe")
        self.db = institution("Drogenberatung Lindenbrück", "DB", "Drogenhilfe")
        self.kl = institution("Klinikum Lindenbrück", "KL", "Medizinische Versorgung")
        self.sc = institution("Grundschule am Park", "GS", "Schule")
        self.fh = institution("Familienhebammen Lindenbrück", "FH", "Frühe Hilfen")
        self.users = {
            i.pk: MembershipFactory(institution=i, role=Role.KOORDINATION, user=UserFactory()).user
            for i in (self.ja, self.db, self.kl, self.sc, self.fh)
        }
        self.birth = self.agreement("Geburt", self.ja, [self.db, self.kl], Status.IN_KRAFT)
        self.addiction = self.agreement("Sucht und Jugend", self.db, [self.ja], Status.ENTWURF)
        self.school = self.agreement("Schulweg", self.ja, [self.sc], Status.IN_KRAFT)
        self.amendment = copy_revision(self.school, self.users[self.ja.pk])
        self.ended = self.agreement("Klinik und Schule", self.kl, [self.sc], Status.BEENDET)

    def agreement(self, title, coordinating, others, status):
        agreement = create_agreement(
            self.users[coordinating.pk],
            title=title,
            preamble="",
            coordinating_institution=coordinating,
            institutions=others,
        )
        Agreement.objects.filter(pk=agreement.pk).update(status=status)
        return Agreement.objects.get(pk=agreement.pk)


@pytest.fixture(scope="module", autouse=True)
def network(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once for the module (tests/shared_data.py): the tests only read it, and what they change is rolled back."""
    with built_once(django_db_blocker, tmp_path_factory.mktemp("netzwerkbild-media"), Network) as data:
        yield data


def picture(client, **query):
    response = client.get(reverse("network_picture"), query)
    assert response.status_code == 200
    return response


def nodes(response) -> dict[str, int]:
    return {n.institution.short_name: n.agreements for n in response.context["nodes"]}


def edges(response) -> dict[frozenset, tuple[int, list[str]]]:
    return {
        frozenset((e["a"].institution.short_name, e["b"].institution.short_name)): (
            e["count"],
            sorted(a.title for a in e["agreements"]),
        )
        for e in response.context["edges"]
    }


def test_nodes_and_edges_are_counted_by_hand(client_for, admin_user, network):
    response = picture(client_for(admin_user))
    assert [a.title for a in response.context["agreements"]] == ["Geburt", "Schulweg", "Sucht und Jugend"]
    assert nodes(response) == {"JA": 3, "DB": 2, "KL": 1, "GS": 1}
    assert edges(response) == {
        frozenset({"JA", "DB"}): (2, ["Geburt", "Sucht und Jugend"]),
        frozenset({"JA", "KL"}): (1, ["Geburt"]),
        frozenset({"DB", "KL"}): (1, ["Geburt"]),
        frozenset({"JA", "GS"}): (1, ["Schulweg"]),
    }


def test_the_amendment_of_an_agreement_is_counted_once(client_for, admin_user, network):
    response = picture(client_for(admin_user))
    [school] = [a for a in response.context["agreements"] if a.title == "Schulweg"]
    # The revision in force stands for the series while its amendment is being written.
    assert school.pk == network.school.pk
    assert network.amendment.series_id == network.school.series_id


def test_the_latest_revision_stands_for_a_series_without_one_in_force(client_for, admin_user, network):
    Agreement.objects.filter(pk=network.school.pk).update(status=Status.BEENDET)
    response = picture(client_for(admin_user))
    [school] = [a for a in response.context["agreements"] if a.title == "Schulweg"]
    assert school.pk == network.amendment.pk
    assert nodes(response)["GS"] == 1


@pytest.mark.parametrize(
    "statuses",
    [
        # Per revision 0, 1, 2 of one series: which stands for it is the SQL's and the Python's choice alike.
        (Status.IN_KRAFT, Status.ENTWURF, Status.IN_ERARBEITUNG),
        (Status.BEENDET, Status.IN_KRAFT, Status.IN_ERARBEITUNG),
        (Status.IN_KRAFT, Status.UEBERPRUEFUNG_FAELLIG, Status.ENTWURF),
        (Status.VERWORFEN, Status.ENTWURF, Status.IN_ABSTIMMUNG),
        (Status.BEENDET, Status.BEENDET, Status.BEENDET),
        (Status.UEBERPRUEFUNG_FAELLIG, Status.BEENDET, Status.IN_KRAFT),
    ],
)
def test_one_revision_per_series_is_chosen_in_the_database_as_in_python(admin_user, network, statuses):
    user = network.users[network.db.pk]
    series = network.agreement("Reihe", network.db, [network.kl, network.sc], Status.ENTWURF)
    revisions = [series, copy_revision(series, user)]
    revisions.append(copy_revision(revisions[1], user))
    for revision, status in zip(revisions, statuses, strict=True):
        Agreement.objects.filter(pk=revision.pk).update(status=status)
    outsider = network.users[network.fh.pk]
    everyone = Agreement.objects.visible_to(admin_user)
    scopes = [
        everyone,
        everyone.exclude(status=Status.BEENDET),
        Agreement.objects.visible_to(user),
        Agreement.objects.visible_to(user).exclude(status=Status.BEENDET),
        Agreement.objects.visible_to(outsider),
        everyone.filter(partners__institution__arbeitsfeld=network.kl.arbeitsfeld),
        everyone.filter(partners__institution=network.ja),
        everyone.exclude(status=Status.BEENDET).filter(partners__institution=network.sc),
    ]
    for scope in scopes:
        rows = scope.values_list("pk", "series_root_id", "status", "revision").distinct()
        assert sorted(Agreement.objects.filter(pk__in=one_per_series(scope)).values_list("pk", flat=True)) == (
            _one_per_series_ids(rows)
        )


def test_ended_agreements_only_on_request(client_for, admin_user, network):
    response = picture(client_for(admin_user), beendet="on")
    assert nodes(response) == {"JA": 3, "DB": 2, "KL": 2, "GS": 2}
    assert edges(response)[frozenset({"KL", "GS"})] == (1, ["Klinik und Schule"])
    assert "FH" not in nodes(response)


def test_filter_by_arbeitsfeld(client_for, admin_user, network):
    client = client_for(admin_user)
    drugs = picture(client, arbeitsfeld=network.db.arbeitsfeld_id)
    assert [a.title for a in drugs.context["agreements"]] == ["Geburt", "Sucht und Jugend"]
    assert nodes(drugs) == {"JA": 2, "DB": 2, "KL": 1}
    assert edges(drugs) == {
        frozenset({"JA", "DB"}): (2, ["Geburt", "Sucht und Jugend"]),
        frozenset({"JA", "KL"}): (1, ["Geburt"]),
        frozenset({"DB", "KL"}): (1, ["Geburt"]),
    }
    school = picture(client, arbeitsfeld=network.sc.arbeitsfeld_id)
    # Both revisions of "Schulweg" match the filter; the series still counts once.
    assert [a.title for a in school.context["agreements"]] == ["Schulweg"]
    assert nodes(school) == {"JA": 1, "GS": 1}
    early = picture(client, arbeitsfeld=network.fh.arbeitsfeld_id)
    assert early.context["nodes"] == []
    assert "Keine Vereinbarung passt zu diesem Filter." in unescape(early.content.decode())


def test_an_unknown_arbeitsfeld_is_no_server_error(client_for, admin_user, network):
    response = picture(client_for(admin_user), arbeitsfeld="999999")
    assert response.context["filter_form"].errors["arbeitsfeld"]
    assert "gültige" in response.context["filter_form"].errors["arbeitsfeld"][0]


def test_an_outsider_sees_only_the_agreements_of_his_institution(client_for, network):
    school_coordination = network.users[network.sc.pk]
    response = picture(client_for(school_coordination))
    assert [a.title for a in response.context["agreements"]] == ["Schulweg"]
    assert nodes(response) == {"JA": 1, "GS": 1}
    page = unescape(response.content.decode())
    for hidden in ("Geburt", "Sucht und Jugend", "Drogenberatung", "Klinikum"):
        assert hidden not in page
    with_ended = picture(client_for(school_coordination), beendet="on")
    assert nodes(with_ended) == {"JA": 1, "GS": 2, "KL": 1}
    assert "Geburt" not in unescape(with_ended.content.decode())


def test_someone_without_agreements_sees_an_empty_picture(client_for, network):
    response = picture(client_for(network.users[network.fh.pk]))
    assert response.context["nodes"] == []
    assert "Keine Vereinbarung passt zu diesem Filter." in unescape(response.content.decode())


def test_svg_and_tables_carry_the_same_figures(client_for, admin_user, network):
    response = picture(client_for(admin_user))
    html = response.content.decode()
    svg = re.search(r"<svg[^>]*aria-labelledby=\"netz-titel netz-beschreibung\".*?</svg>", html, re.S)[0]
    assert 'role="img"' in svg
    assert '<title id="netz-titel">Netzwerkbild der Kooperationen</title>' in svg
    assert re.search(r"<desc id=\"netz-beschreibung\">\s*4 Institutionen; die Verbindungen", svg)
    # Line width = shared agreements + 1; circle radius = agreements + 6.
    lines = re.findall(r"<line [^>]*stroke-width=\"(\d+)\"[^>]*><title>([^<]*)</title>", svg)
    assert sorted(unescape(title) for _w, title in lines) == sorted(
        [
            "Jugendamt Lindenbrück – Drogenberatung Lindenbrück: 2",
            "Jugendamt Lindenbrück – Klinikum Lindenbrück: 1",
            "Drogenberatung Lindenbrück – Klinikum Lindenbrück: 1",
            "Jugendamt Lindenbrück – Grundschule am Park: 1",
        ]
    )
    assert sorted(int(w) for w, _t in lines) == [2, 2, 2, 3]
    radii = re.findall(r"<circle [^>]*r=\"(\d+)\"[^>]*><title>([^<]*)</title>", svg)
    assert {unescape(t).split(" (")[0]: int(r) for r, t in radii} == {
        "Jugendamt Lindenbrück": 9,
        "Drogenberatung Lindenbrück": 8,
        "Klinikum Lindenbrück": 7,
        "Grundschule am Park": 7,
    }
    matrix = {
        row.short_name: dict(zip([i.short_name for i in response.context["institutions"]], cells, strict=True))
        for row, cells in response.context["matrix"]
    }
    assert matrix["JA"] == {"JA": None, "DB": 2, "KL": 1, "GS": 1}
    assert matrix["GS"] == {"JA": 1, "DB": 0, "KL": 0, "GS": None}
    table = re.search(r"<caption>Zahl der Vereinbarungen, an denen beide.*?</table>", html, re.S)[0]
    row = re.search(r"<th scope=\"row\" class=\"text-start\">Jugendamt Lindenbrück</th>(.*?)</tr>", table)[1]
    assert re.findall(r"<td>([^<]*)</td>", row) == [
        str(matrix["JA"][i.short_name]) if matrix["JA"][i.short_name] is not None else "—"
        for i in response.context["institutions"]
    ]


def test_svg_coordinates_are_not_localised(client_for, admin_user, network):
    """German formats 87.5 as "87,5", which would break the drawing: coordinates stay plain numbers."""
    html = picture(client_for(admin_user)).content.decode()
    svg = re.search(r"<svg[^>]*chart-network.*?</svg>", html, re.S)[0]
    values = re.findall(r"\s(?:x|y|x1|x2|y1|y2|cx|cy|r|stroke-width)=\"([^\"]*)\"", svg)
    assert len(values) > 20
    for value in values:
        assert re.fullmatch(r"-?\d+(\.\d+)?", value), value
    assert re.search(r"\scx=\"\d+\.\d\"", svg)
    assert re.fullmatch(r"-?\d+ -?\d+ \d+ \d+", re.search(r"viewBox=\"([^\"]*)\"", svg)[1])


def test_institutions_are_placed_on_the_circle(client_for, admin_user, network):
    response = picture(client_for(admin_user))
    for node in response.context["nodes"]:
        distance = ((node.x - SIZE / 2) ** 2 + (node.y - SIZE / 2) ** 2) ** 0.5
        assert abs(distance - RADIUS) < 0.2
    positions = {(n.x, n.y) for n in response.context["nodes"]}
    assert len(positions) == 4
