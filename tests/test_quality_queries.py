"""Pinned query counts of the quality dialogue, the Nachweis, the network picture and the start page.

Each page is loaded at two data sizes; the count must be the same (on SQLite and PostgreSQL).
"""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from agreements.models import Agreement, Approval, ApprovalRound, Decision, Signature, SignatureMethod, Status, Subgroup
from agreements.services.agreement import copy_revision, create_agreement
from conferences.models import (
    AgendaItem,
    Attendance,
    Body,
    Conference,
    Meeting,
    StaffParticipant,
    Task,
)
from kooperation.network.models import Role
from tests import quality_data as qd
from tests.conference_fixtures import open_case
from tests.factories import ArbeitsfeldFactory, InstitutionFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YEAR = TODAY.year
# How many of everything: further partners, years of dialogues, agreements, meetings, conferences.
SIZES = {"small": 1, "large": 4}


def _institution(n: int, prefix: str):
    return InstitutionFactory(
        name=f"{prefix} {n:02d}",
        short_name=f"{prefix[:2]}{n:02d}",
        arbeitsfeld=ArbeitsfeldFactory(name=f"Feld {n % 3}"),
    )


def _agreement(user, title, coordinating, others, status=Status.IN_KRAFT, **fields) -> Agreement:
    agreement = create_agreement(
        user, title=title, preamble="", coordinating_institution=coordinating, institutions=list(others)
    )
    Agreement.objects.filter(pk=agreement.pk).update(status=status, **fields)
    return Agreement.objects.get(pk=agreement.pk)


# The quality dialogue --------------------------------------------------------------------------


def _dialogues(agreement, coordinator, institution, size: int):
    """`size` further partners, each with its Koordination; a dialogue per year, all partners submitted
    except the last partner this year; the coordinator's own assessment of this year is a draft."""
    partners = [institution, *qd.add_partners(agreement, size, prefix="Partner")]
    coordinators = {institution.pk: coordinator}
    for partner in partners[1:]:
        coordinators[partner.pk] = qd.person(partner, Role.KOORDINATION)
    for year in range(YEAR - size, YEAR + 1):
        dialogue = qd.open_dialogue(coordinator, agreement, year)
        for n, partner in enumerate(partners):
            if year == YEAR and partner == institution:
                qd.fill(coordinator, dialogue, partner, [1, 2, 3, 4], submit=False)
                continue
            qd.fill(coordinators[partner.pk], dialogue, partner, [(n + year) % 5 + 1, 2, 3, 4], {"c": "teilweise"})
    # This year's dialogue has `size` Sitzungen, each with `size` agreed measures (shown on the dialogue page).
    for m in range(size):
        meeting = Meeting.objects.create(
            agreement=agreement,
            body=Body.QUALITAETSDIALOG,
            quality_dialogue=dialogue,
            date=date(YEAR, 3, 1 + m),
            start_time=time(10, 0),
            place="Rathaus",
            recorder=coordinator,
            created_by=coordinator,
        )
        Task.objects.bulk_create(
            Task(
                meeting=meeting,
                what=f"Maßnahme {i}",
                responsible_institution=partners[i % len(partners)],
                responsible_user=coordinators[partners[i % len(partners)].pk],
                due_on=date(YEAR + 1, 1, 1 + i),
            )
            for i in range(size)
        )


# quality_dialogue: 15 + the panel of conferences (its Sitzungen, their measures; may the user plan one reads the
# partners the page has loaded). The dialogue comes with its visibility check in one query (also quality_assessment).
QUALITY_PAGES = {"quality_dialogue": 17, "quality_overview": 14, "quality_assessment": 14}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(("name", "expected"), QUALITY_PAGES.items())
def test_quality_page_query_count_does_not_grow(
    name, expected, size, client_for, agreement, coordinator, institution, django_assert_num_queries
):
    _dialogues(agreement, coordinator, institution, SIZES[size])
    dialogue = agreement.quality_dialogues.get(year=YEAR)
    url = {
        "quality_dialogue": reverse("quality_dialogue", args=[dialogue.pk]),
        "quality_overview": reverse("quality_overview", args=[agreement.pk]),
        "quality_assessment": reverse("quality_assessment", args=[dialogue.pk, institution.pk]),
    }[name]
    client = client_for(coordinator)
    with django_assert_num_queries(expected):
        response = client.get(url)
    assert response.status_code == 200
    if name == "quality_dialogue":
        # The agreement's two partners and the further ones.
        assert len(response.context["comparison"].partners) == SIZES[size] + 2
        assert response.context["years"] == list(range(YEAR - SIZES[size], YEAR + 1))


# The Nachweis ----------------------------------------------------------------------------------


def _evidence(coordinator, institution, size: int) -> None:
    """Per size: an agreement with a further partner, signatures, two attended meetings, two conferences
    attended and a quality dialogue."""
    for n in range(size):
        other = _institution(n, "Nachweispartner")
        other_coordinator = qd.person(other, Role.KOORDINATION)
        agreement = _agreement(coordinator, f"Vereinbarung {n}", institution, [other])
        for partner, user in ((institution, coordinator), (other, other_coordinator)):
            Signature.objects.create(
                agreement=agreement,
                institution=partner,
                signer_name="Leitung",
                signer_function="Leitung",
                signed_on=TODAY,
                place="Teststadt",
                method=SignatureMethod.IN_APP,
                recorded_by=user,
            )
        subgroup = Subgroup.objects.create(agreement=agreement, name="Untergruppe Jugendhilfe", institution=institution)
        for m in range(2):
            meeting = Meeting.objects.create(
                agreement=agreement,
                body=Body.KOOPERATIONSGREMIUM if m else Body.UNTERGRUPPE,
                subgroup=None if m else subgroup,
                date=date(YEAR, 1, 10 + n * 2 + m),
                start_time=time(14, 0),
                place="Rathaus",
                recorder=coordinator,
                created_by=coordinator,
                finalised_at=timezone.now(),
            )
            AgendaItem.objects.create(meeting=meeting, title="Austausch", minutes="Inhalt")
            Attendance.objects.create(meeting=meeting, institution=institution, name="Kora")
            Attendance.objects.create(meeting=meeting, institution=other, name="Otto")
        case = open_case(coordinator, agreement, institution, others=[other])
        for c in range(2):
            conference = Conference.objects.create(
                case=case,
                date=date(YEAR, 2, 1 + n * 2 + c),
                start_time=time(10, 0),
                place="Jugendamt",
                created_by=coordinator,
                finalised_at=timezone.now(),
            )
            StaffParticipant.objects.create(conference=conference, institution=institution, name="Fachkraft")
        dialogue = qd.open_dialogue(coordinator, agreement, YEAR)
        qd.fill(coordinator, dialogue, institution, [2, 3, 4, 5], submit=bool(n % 2))


@pytest.mark.parametrize("size", SIZES)
def test_evidence_report_query_count_does_not_grow(
    size, client_for, coordinator, institution, media_root, django_assert_num_queries
):
    _evidence(coordinator, institution, SIZES[size])
    client = client_for(coordinator)
    # The partners with institution and Arbeitsfeld in one query; each dialogue says whether it was submitted.
    with django_assert_num_queries(13):
        response = client.get(
            reverse("evidence_report", args=[institution.pk]), {"start": f"{YEAR}-01-01", "end": f"{YEAR}-12-31"}
        )
    assert response.status_code == 200
    report = response.context["report"]
    assert len(report.meetings) == 2 * SIZES[size]
    assert len(report.conferences) == 2 * SIZES[size]


@pytest.mark.parametrize("size", SIZES)
def test_evidence_csv_query_count_does_not_grow(
    size, client_for, coordinator, institution, media_root, django_assert_num_queries
):
    _evidence(coordinator, institution, SIZES[size])
    client = client_for(coordinator)
    with django_assert_num_queries(14):  # the export is written to the security log
        response = client.get(
            reverse("evidence_csv", args=[institution.pk]), {"start": f"{YEAR}-01-01", "end": f"{YEAR}-12-31"}
        )
    assert response.status_code == 200


# The network picture ---------------------------------------------------------------------------


def _network(coordinator, institution, size: int) -> None:
    """Per size: two agreements with three partners each, one of them amended, and one ended."""
    for n in range(size):
        a, b = _institution(2 * n, "Netz"), _institution(2 * n + 1, "Netz")
        _agreement(coordinator, f"Netz {n} A", institution, [a, b])
        amended = _agreement(coordinator, f"Netz {n} B", institution, [a])
        copy_revision(amended, coordinator)
        _agreement(coordinator, f"Netz {n} C", institution, [b], status=Status.BEENDET)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("query", [{}, {"beendet": "on"}], ids=["current", "with-ended"])
def test_network_picture_query_count_does_not_grow(
    size, query, client_for, coordinator, institution, django_assert_num_queries
):
    _network(coordinator, institution, SIZES[size])
    client = client_for(coordinator)
    # Besides the picture: how many institutions it would show (graph or list of pairs) and the filter's choices.
    with django_assert_num_queries(11):
        response = client.get(reverse("network_picture"), query)
    assert response.status_code == 200
    assert len(response.context["agreements"]) == (3 if query else 2) * SIZES[size]


@pytest.mark.parametrize("size", SIZES)
def test_network_picture_filtered_query_count_does_not_grow(
    size, client_for, coordinator, institution, django_assert_num_queries
):
    _network(coordinator, institution, SIZES[size])
    client = client_for(coordinator)
    field = institution.arbeitsfeld_id
    with django_assert_num_queries(12):
        response = client.get(reverse("network_picture"), {"arbeitsfeld": field})
    assert response.status_code == 200


# The start page with the Koordination block ----------------------------------------------------


def _coordination(coordinator, institution, size: int) -> None:
    """Per size: an agreement in every status, an open approval round, a signature, due reviews,
    dialogues opened and not, overdue tasks of meetings and cases."""
    partner = _institution(0, "Startpartner")
    partner_coordinator = qd.person(partner, Role.KOORDINATION)
    for n in range(size):
        for status in Status.values:
            fields = {}
            if status in (Status.IN_KRAFT, Status.UEBERPRUEFUNG_FAELLIG):
                fields["review_due_on"] = TODAY + timedelta(days=10 * n)
            agreement = _agreement(coordinator, f"{status} {n}", institution, [partner], status=status, **fields)
            if status == Status.IN_ABSTIMMUNG:
                round_ = ApprovalRound.objects.create(agreement=agreement, number=1, started_by=coordinator)
                Approval.objects.create(
                    round=round_, institution=partner, decision=Decision.APPROVED, decided_by=partner_coordinator
                )
            if status == Status.ZUR_UNTERZEICHNUNG:
                Signature.objects.create(
                    agreement=agreement,
                    institution=partner,
                    signer_name="Leitung",
                    signer_function="Leitung",
                    signed_on=TODAY,
                    place="Teststadt",
                    method=SignatureMethod.IN_APP,
                    recorded_by=partner_coordinator,
                )
            if status == Status.IN_KRAFT:
                qd.open_dialogue(coordinator, agreement, YEAR)
                meeting = Meeting.objects.create(
                    agreement=agreement,
                    body=Body.KOOPERATIONSGREMIUM,
                    date=TODAY - timedelta(days=5),
                    start_time=time(14, 0),
                    place="Rathaus",
                    recorder=coordinator,
                    created_by=coordinator,
                )
                Task.objects.create(
                    meeting=meeting,
                    what="Aufgabe",
                    responsible_institution=institution,
                    due_on=TODAY - timedelta(days=1),
                )
                case = open_case(coordinator, agreement, institution)
                conference = Conference.objects.create(
                    case=case,
                    date=TODAY - timedelta(days=3),
                    start_time=time(10, 0),
                    place="JA",
                    created_by=coordinator,
                )
                Task.objects.create(
                    case=case,
                    conference=conference,
                    what="Fallaufgabe",
                    responsible_institution=institution,
                    due_on=TODAY - timedelta(days=1),
                )


@pytest.mark.parametrize("size", SIZES)
def test_start_page_with_coordination_query_count_does_not_grow(
    size, client_for, coordinator, institution, django_assert_num_queries
):
    _coordination(coordinator, institution, SIZES[size])
    client = client_for(coordinator)
    # The coordination overview's reviews, approvals, signatures and not-yet-opened agreements in one
    # query, the overdue count in the user's task query, the signatures expected of a Leitung or deputy.
    with django_assert_num_queries(14):
        response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    coordination = response.context["coordination"]
    assert coordination["overdue_tasks"] == {"count": 2 * SIZES[size]}
    assert len(coordination["approvals"]) == SIZES[size]
    assert len(coordination["dialogues_not_opened"]) == SIZES[size]
    assert len(coordination["assessments_waiting"]) == SIZES[size]
