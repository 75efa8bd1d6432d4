"""The start page's block for Koordination, with figures counted by hand.

`institution` (JA) is partner of: two agreements in Entwurf, one In Erarbeitung, one In Abstimmung
(one of three partners has decided in the open round), one Zur Unterzeichnung (one of two
signatures), "Kraft A" (in force, review in 30 days, this year's dialogue open, JA's assessment
a draft), "Kraft B" (in force, review in 200 days, no dialogue yet), "Fällig" (review 10 days
overdue, JA submitted this year) and one ended. An agreement of the other partners only (review in
10 days, no dialogue) and its overdue task must not show.
"""

from __future__ import annotations

import re
from datetime import time, timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from agreements.models import Agreement, Approval, ApprovalRound, Decision, Signature, SignatureMethod, Status
from agreements.services.agreement import create_agreement
from conferences.models import Body, Conference, Meeting, Task, TaskStatus
from kooperation.network.models import Role
from kooperation.pages.start import overview
from tests import quality_data as qd
from tests.conference_fixtures import open_case
from tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YEAR = TODAY.year


def _agreement(user, title, coordinating, others, status, **fields):
    agreement = create_agreement(
        user, title=title, preamble="", coordinating_institution=coordinating, institutions=others
    )
    Agreement.objects.filter(pk=agreement.pk).update(status=status, **fields)
    return Agreement.objects.get(pk=agreement.pk)


def _task(meeting, institution, due_on, status=TaskStatus.OFFEN):
    return Task.objects.create(
        meeting=meeting, what="Aufgabe", responsible_institution=institution, due_on=due_on, status=status
    )


@pytest.fixture
def partner_coordinator(partner_institution):
    return qd.person(partner_institution, Role.KOORDINATION)


@pytest.fixture
def network(coordinator, institution, partner_institution, partner_coordinator):
    third = InstitutionFactory(name="Hebammenpraxis Teststadt", short_name="HP")
    third_coordinator = qd.person(third, Role.KOORDINATION)
    made = {}

    def make(title, status, others=(partner_institution,), coordinating=institution, user=coordinator, **fields):
        made[title] = _agreement(user, title, coordinating, list(others), status, **fields)
        return made[title]

    make("Entwurf 1", Status.ENTWURF)
    make("Entwurf 2", Status.ENTWURF)
    make("Erarbeitung", Status.IN_ERARBEITUNG)
    voting = make("Abstimmung", Status.IN_ABSTIMMUNG, others=(partner_institution, third))
    closed = ApprovalRound.objects.create(agreement=voting, number=1, started_by=coordinator, closed_at=timezone.now())
    for partner in (institution, partner_institution, third):
        Approval.objects.create(round=closed, institution=partner, decision=Decision.RETURNED, decided_by=coordinator)
    round_two = ApprovalRound.objects.create(agreement=voting, number=2, started_by=coordinator)
    Approval.objects.create(
        round=round_two, institution=partner_institution, decision=Decision.APPROVED, decided_by=partner_coordinator
    )
    signing = make("Unterzeichnung", Status.ZUR_UNTERZEICHNUNG)
    Signature.objects.create(
        agreement=signing,
        institution=partner_institution,
        signer_name="Dr. Petra Partner",
        signer_function="Leitung",
        signed_on=TODAY,
        place="Teststadt",
        method=SignatureMethod.IN_APP,
        recorded_by=partner_coordinator,
    )
    in_force = make("Kraft A", Status.IN_KRAFT, review_due_on=TODAY + timedelta(days=30))
    make("Kraft B", Status.IN_KRAFT, review_due_on=TODAY + timedelta(days=200))
    due = make("Fällig", Status.UEBERPRUEFUNG_FAELLIG, review_due_on=TODAY - timedelta(days=10))
    make("Beendet", Status.BEENDET)
    others = make(
        "Ohne JA",
        Status.IN_KRAFT,
        others=(third,),
        coordinating=partner_institution,
        user=partner_coordinator,
        review_due_on=TODAY + timedelta(days=10),
    )

    qd.open_dialogue(coordinator, in_force, YEAR)
    done = qd.open_dialogue(coordinator, due, YEAR)
    qd.fill(coordinator, done, institution, [3, 3, 3, 3])
    # Last year's dialogue of "Kraft B" does not count for this year.
    qd.open_dialogue(coordinator, made["Kraft B"], YEAR - 1)

    meeting = Meeting.objects.create(
        agreement=in_force,
        body=Body.KOOPERATIONSGREMIUM,
        date=TODAY - timedelta(days=20),
        start_time=time(14, 0),
        place="Rathaus",
        recorder=coordinator,
        created_by=coordinator,
    )
    _task(meeting, institution, TODAY - timedelta(days=1))
    _task(meeting, partner_institution, TODAY - timedelta(days=5))
    _task(meeting, institution, TODAY - timedelta(days=5), status=TaskStatus.ERLEDIGT)
    _task(meeting, institution, TODAY)
    _task(meeting, institution, TODAY + timedelta(days=3))
    case = open_case(coordinator, in_force, institution)
    conference = Conference.objects.create(
        case=case, date=TODAY - timedelta(days=8), start_time=time(10, 0), place="Jugendamt", created_by=coordinator
    )
    Task.objects.create(
        case=case,
        conference=conference,
        what="Fallaufgabe",
        responsible_institution=institution,
        due_on=TODAY - timedelta(days=2),
    )
    foreign = Meeting.objects.create(
        agreement=others,
        body=Body.KOOPERATIONSGREMIUM,
        date=TODAY - timedelta(days=20),
        start_time=time(14, 0),
        place="Klinik",
        recorder=third_coordinator,
        created_by=third_coordinator,
    )
    _task(foreign, third, TODAY - timedelta(days=3))
    return made


def _block(response) -> str:
    html = response.content.decode()
    match = re.search(r"<section aria-labelledby=\"koordination\".*?</section>", html, re.S)
    assert match, "no block for Koordination"
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match[0])))


def _card(block: str, heading: str) -> str:
    after = block.split(heading, 1)[1]
    ends = [after.find(h) for h in CARD_HEADINGS if after.find(h) > 0]
    return re.sub(r"\s+", " ", after[: min(ends)] if ends else after).strip()


CARD_HEADINGS = [
    "Vereinbarungen nach Status",
    "Überprüfungen in den nächsten 90 Tagen",
    "Offene Zustimmungen und Unterschriften",
    "Überfällige Aufgaben in Ihren Fällen und Sitzungen",
    f"Qualitätsdialoge {YEAR}",
]


def test_overview_figures_match_the_hand_count(coordinator, network):
    data = overview(coordinator)
    assert {value: count for value, _label, count in data["by_status"]} == {
        Status.ENTWURF: 2,
        Status.IN_ERARBEITUNG: 1,
        Status.IN_ABSTIMMUNG: 1,
        Status.ZUR_UNTERZEICHNUNG: 1,
        Status.UNTERZEICHNET: 0,
        Status.IN_KRAFT: 2,
        Status.UEBERPRUEFUNG_FAELLIG: 1,
        Status.BEENDET: 1,
        Status.VERWORFEN: 0,
    }
    assert [a.title for a in data["reviews"]] == ["Fällig", "Kraft A"]
    assert [(a.title, a.decided, a.partner_count) for a in data["approvals"]] == [("Abstimmung", 1, 3)]
    assert [(a.title, a.signed, a.partner_count) for a in data["signatures"]] == [("Unterzeichnung", 1, 2)]
    assert data["overdue_tasks"] == {"count": 3}
    assert [a.title for a in data["dialogues_not_opened"]] == ["Kraft B"]
    assert [(s.dialogue.agreement.title, s.institution.short_name) for s in data["assessments_waiting"]] == [
        ("Kraft A", "JA")
    ]


def test_start_page_shows_the_block_with_the_figures(client_for, coordinator, network):
    response = client_for(coordinator).get(reverse("dashboard"))
    assert response.status_code == 200
    block = _block(response)
    assert "Für die Koordination" in block
    assert _card(block, "Vereinbarungen nach Status") == (
        "Entwurf : 2 In Erarbeitung : 1 In Abstimmung : 1 Zur Unterzeichnung : 1 In Kraft : 2 "
        "Überprüfung fällig : 1 Beendet : 1"
    )
    review_due = (TODAY - timedelta(days=10)).strftime("%d.%m.%Y")
    review_a = (TODAY + timedelta(days=30)).strftime("%d.%m.%Y")
    assert _card(block, "Überprüfungen in den nächsten 90 Tagen") == f"Fällig – {review_due} Kraft A – {review_a}"
    assert _card(block, "Offene Zustimmungen und Unterschriften") == (
        "Abstimmung : 1 von 3 Partnern haben entschieden Unterzeichnung : 1 von 2 Unterschriften"
    )
    assert _card(block, "Überfällige Aufgaben in Ihren Fällen und Sitzungen") == "3 überfällige Aufgaben"
    assert _card(block, f"Qualitätsdialoge {YEAR}") == (
        "Kraft B : noch nicht eröffnet Kraft A : Selbsteinschätzung von JA fehlt"
    )
    assert "Ohne JA" not in block
    html = response.content.decode()
    assert f'href="{reverse("agreement_list")}?status=entwurf"' in html
    assert f'href="{reverse("quality_overview", args=[network["Kraft B"].pk])}"' in html
    dialogue = network["Kraft A"].quality_dialogues.get()
    assert (
        f'href="{reverse("quality_assessment", args=[dialogue.pk, dialogue.assessments.first().institution_id])}"'
        in html
    )


def test_block_links_lead_to_pages_the_coordinator_may_open(client_for, coordinator, network):
    client = client_for(coordinator)
    html = client.get(reverse("dashboard")).content.decode()
    block = re.search(r"<section aria-labelledby=\"koordination\".*?</section>", html, re.S)[0]
    for href in sorted(set(re.findall(r'href="([^"]+)"', block))):
        assert client.get(unescape(href)).status_code == 200, href


def test_an_empty_network_says_so(client_for, coordinator):
    block = _block(client_for(coordinator).get(reverse("dashboard")))
    assert _card(block, "Vereinbarungen nach Status") == ""
    assert _card(block, "Überprüfungen in den nächsten 90 Tagen") == "keine"
    assert _card(block, "Offene Zustimmungen und Unterschriften") == "keine"
    assert _card(block, "Überfällige Aufgaben in Ihren Fällen und Sitzungen") == "keine"
    assert _card(block, f"Qualitätsdialoge {YEAR}") == "alles erledigt"


def test_a_partners_coordination_sees_its_own_figures(partner_coordinator, network):
    """The Klinikum (KL) is partner of every agreement above, and of "Ohne JA"; it submitted nothing."""
    data = overview(partner_coordinator)
    counts = {value: count for value, _label, count in data["by_status"]}
    assert counts[Status.IN_KRAFT] == 3
    assert [a.title for a in data["reviews"]] == ["Fällig", "Ohne JA", "Kraft A"]
    assert [a.title for a in data["dialogues_not_opened"]] == ["Kraft B", "Ohne JA"]
    assert [(s.dialogue.agreement.title, s.institution.short_name) for s in data["assessments_waiting"]] == [
        ("Fällig", "KL"),
        ("Kraft A", "KL"),
    ]


@pytest.mark.parametrize("who", ["member", "leader_user", "caseworker", "admin_user"])
def test_others_see_no_coordination_block(client_for, request, network, who):
    response = client_for(request.getfixturevalue(who)).get(reverse("dashboard"))
    assert response.status_code == 200
    assert response.context["coordination"] is None
    assert "Für die Koordination" not in response.content.decode()
    assert 'aria-labelledby="koordination"' not in response.content.decode()
