"""The Kooperationsblatt (seed 004): the agreement on one PDF page, without any case content."""

from __future__ import annotations

import re
from datetime import time, timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from agreements.models import Agreement, Goal, Indicator, Status
from agreements.services.agreement import copy_revision
from conferences.models import Body, Conference, Meeting, Task, TaskStatus
from kooperation.network.models import Role
from kooperation.pages.cooperation_sheet import CooperationSheetRenderer
from tests import quality_data as qd
from tests import signing_data as sd
from tests.conference_fixtures import open_case
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YEAR = TODAY.year
CASE_TASK = "Kinderarzttermin zur U6 mit der Mutter vereinbaren"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _meeting(agreement, user, day):
    return Meeting.objects.create(
        agreement=agreement,
        body=Body.KOOPERATIONSGREMIUM,
        date=day,
        start_time=time(14, 0),
        place="Rathaus",
        recorder=user,
        created_by=user,
    )


def build(partners: int = 3, tasks: int = 2, goals: int = 1, contacts: int = 2):
    """An agreement with written sections, contacts, a submitted dialogue, meeting tasks and a case task."""
    parties = [sd.party(i) for i in sd.institutions(partners, prefix="Träger")]
    agreement = sd.new_agreement(parties, title="Kooperation Frühe Hilfen Lindenbrück")
    sd.write_sections(agreement)
    for n in range(1, goals):
        goal = Goal.objects.create(
            agreement=agreement, text=f"Weiteres Ziel {n}: Familien finden schneller Hilfe.", position=n
        )
        Indicator.objects.bulk_create(
            [
                Indicator(goal=goal, text=f"Indikator {n}.{i}: Wartezeit unter vier Wochen.", position=i)
                for i in range(2)
            ]
        )
    for p in parties:
        for n in range(contacts):
            ContactFactory(
                institution=p.institution,
                name=f"Kontakt {n + 1} {p.institution.short_name}",
                responsibility="Kinderschutz und Hilfekonferenzen",
                phone="0511 123456",
                email=f"kontakt{n + 1}@{p.institution.short_name.lower()}.example",
                position=n,
            )
    dialogue = qd.open_dialogue(parties[0].koordination, agreement, YEAR)
    qd.fill(parties[0].koordination, dialogue, parties[0].institution, [2, 3, 4, 5])
    qd.fill(parties[1].koordination, dialogue, parties[1].institution, [4, 3, 2, 5])
    meeting = _meeting(agreement, parties[0].koordination, TODAY - timedelta(days=3))
    for n in range(tasks):
        Task.objects.create(
            meeting=meeting,
            what=f"Sitzungsaufgabe {n + 1}: Einladung zum Fachtag „Frühe Hilfen“ an alle Partner verschicken und "
            "die Rückmeldungen bis zur nächsten Sitzung sammeln",
            responsible_institution=parties[n % partners].institution,
            responsible_user=parties[n % partners].koordination if n == 0 else None,
            due_on=TODAY + timedelta(days=10 + n),
        )
    Task.objects.create(
        meeting=meeting,
        what="Erledigte Sitzungsaufgabe: Raum buchen",
        responsible_institution=parties[0].institution,
        due_on=TODAY,
        status=TaskStatus.ERLEDIGT,
    )
    # A case with a conference task of the same agreement: social data, never on the sheet.
    case = open_case(parties[0].koordination, agreement, parties[0].institution)
    conference = Conference.objects.create(
        case=case,
        date=TODAY - timedelta(days=1),
        start_time=time(10, 0),
        place="Familienzentrum",
        created_by=parties[0].koordination,
    )
    Task.objects.create(
        case=case,
        conference=conference,
        what=CASE_TASK,
        responsible_institution=parties[0].institution,
        due_on=TODAY + timedelta(days=2),
    )
    return agreement, parties, case


def _sheet(client, agreement, tmp_path):
    response = client.get(reverse("cooperation_sheet", args=[agreement.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "blatt.pdf"
    pdf.write_bytes(b"".join(response.streaming_content) if response.streaming else response.content)
    return response, pdf


def _text(pdf) -> str:
    """The page's text on one line, with words hyphenated at a line end joined again."""
    return re.sub(r"\s+", " ", re.sub(r"\u2010\s*\n", "", sd.tool("pdftotext", pdf, "-")))


def test_sheet_is_one_valid_page_with_partners_contacts_goals_levels_and_tasks(client_for, tmp_path):
    sd.require_tools("qpdf", "pdftotext", "pdfinfo")
    agreement, parties, case = build()
    response, pdf = _sheet(client_for(parties[1].koordination), agreement, tmp_path)
    assert f"Kooperationsblatt-{agreement.pk}-Rev000.pdf" in response["Content-Disposition"]
    sd.tool("qpdf", "--check", pdf)
    assert sd.page_count(pdf) == 1
    text = _text(pdf)
    assert text.startswith("Kooperationsblatt Revision 000/")
    assert "Kooperation Frühe Hilfen Lindenbrück" in text
    assert "Seite 1 von 1" in text
    for p in parties:
        assert p.institution.name in text
        assert p.institution.arbeitsfeld.name in text
        short = p.institution.short_name
        assert (
            f"Kontakt 1 {short} – Kinderschutz und Hilfekonferenzen 0511 123456 · kontakt1@{short.lower()}.example"
            in text
        )
        assert (
            f"Kontakt 2 {short} – Kinderschutz und Hilfekonferenzen 0511 123456 · kontakt2@{short.lower()}.example"
            in text
        )
    assert "Die Basisversorgung der Kinder ist gesichert." in text
    assert "Indikator: In jeder Hilfekonferenz sind alle Basiskriterien geprüft." in text
    assert f"Kooperationsqualität (Qualitätsdialog {YEAR})" in text
    # Averages of the two submitted assessments (2/4, 3/3, 4/2, 5/5).
    assert re.findall(r"Stufe (\d,\d) \((\d)–(\d)\)", text) == [
        ("3,0", "2", "4"),
        ("3,0", "3", "3"),
        ("3,0", "2", "4"),
        ("5,0", "5", "5"),
    ]
    assert "Offene Aufgaben aus den Sitzungen" in text
    assert "Sitzungsaufgabe 1: Einladung zum Fachtag" in text
    assert "Sitzungsaufgabe 2" in text
    assert f"({parties[0].koordination.get_full_name()})" in text
    assert (TODAY + timedelta(days=10)).strftime("%d.%m.%Y") in text
    assert "Erledigte Sitzungsaufgabe" not in text
    assert CASE_TASK not in text
    assert "U6" not in text
    assert case.code not in text


def test_a_full_agreement_still_fits_on_one_page(client_for, tmp_path):
    """Six partners with two contacts each, four goals and more open tasks than the sheet lists."""
    sd.require_tools("qpdf", "pdftotext", "pdfinfo")
    agreement, parties, case = build(partners=6, tasks=11, goals=4, contacts=3)
    _response, pdf = _sheet(client_for(parties[0].koordination), agreement, tmp_path)
    sd.tool("qpdf", "--check", pdf)
    assert sd.page_count(pdf) == 1
    text = _text(pdf)
    assert "Sitzungsaufgabe 8:" in text
    assert "Sitzungsaufgabe 9:" not in text
    assert "… und 3 weitere offene Aufgaben." in text
    # At most two contacts per partner.
    assert "Kontakt 3" not in text
    assert "Weiteres Ziel 3" in text
    # Four goals in two columns, numbered on across them.
    assert "3. Weiteres Ziel 2:" in text
    assert "4. Weiteres Ziel 3:" in text
    assert CASE_TASK not in text
    assert case.code not in text


def test_sheet_without_dialogue_or_tasks_says_so(client_for, agreement, coordinator, tmp_path):
    sd.require_tools("pdftotext")
    _response, pdf = _sheet(client_for(coordinator), agreement, tmp_path)
    text = _text(pdf)
    assert "Noch kein Qualitätsdialog mit abgegebenen Einschätzungen." in text
    assert "Keine offenen Aufgaben." in text


def test_an_amendment_shows_the_open_tasks_of_the_series(client_for, tmp_path):
    sd.require_tools("pdftotext")
    agreement, parties, _case = build(partners=2, tasks=1)
    Agreement.objects.filter(pk=agreement.pk).update(status=Status.IN_KRAFT)
    amendment = copy_revision(Agreement.objects.get(pk=agreement.pk), parties[0].koordination)
    _response, pdf = _sheet(client_for(parties[0].koordination), amendment, tmp_path)
    text = _text(pdf)
    assert "Revision 001/" in text
    assert "Sitzungsaufgabe 1" in text
    assert f"Kooperationsqualität (Qualitätsdialog {YEAR})" in text
    assert CASE_TASK not in text


def test_outsider_gets_404_and_a_partners_member_the_sheet(client_for, agreement, outsider, member):
    url = reverse("cooperation_sheet", args=[agreement.pk])
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(member).get(url).status_code == 200


def test_a_partner_without_role_koordination_reads_it_too(client_for, agreement, partner_institution):
    reader = qd.person(partner_institution, Role.LEITUNG)
    assert client_for(reader).get(reverse("cooperation_sheet", args=[agreement.pk])).status_code == 200


def test_two_columns_are_table_cells_read_down_then_across(tmp_path):
    """Five partners: 1–3 in the left column, 4–5 in the right; five goals numbered on across both columns.

    CSS `columns` made WeasyPrint spend ~95 % of the sheet's time, so the sheet's stylesheet has none.
    """
    agreement, parties, _case = build(partners=5, tasks=0, goals=5, contacts=1)
    html = CooperationSheetRenderer(agreement).render_html()
    table = html[html.index('<table class="partners">') : html.index('<table class="goals">')]
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)
    names = [p.institution.name for p in parties]
    assert len(rows) == 3
    assert [name for row in rows for name in names if name in row.split("</td>")[0]] == names[:3]
    assert [name for row in rows for name in names if name in "".join(row.split("</td>")[1:])] == names[3:]
    assert re.findall(r"<ol class=\"compact\" start=\"(\d+)\"", html) == ["1", "4"]
    stylesheet = (settings.BASE_DIR / "static/css/print-sheet.css").read_text()
    assert not re.search(r"(^|[;{\s])columns\s*:", re.sub(r"/\*.*?\*/", "", stylesheet, flags=re.S))
