"""Journey: the coordinator opens the year's quality dialogue, two partners' board representatives
fill in and submit their self-assessments, the coordinator compares them; plus the network picture,
the Nachweis and the levels catalogue. axe-core checks every page type on the way."""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from agreements.models import Agreement, AssessmentStatus, QualityDialogue, SelfAssessment, Status
from agreements.services.agreement import create_agreement
from kooperation.network.models import Role
from tests import quality_data as qd
from tests import signing_data as sd
from tests.factories import ArbeitsfeldFactory, InstitutionFactory

pytestmark = pytest.mark.browser

YEAR = timezone.localdate().year
TITLE = "Kooperation rund um die Geburt"
CONDITIONS = "abcdefghij"


def load_defaults() -> None:
    """The catalogues and quality levels (a live-server test may have flushed what the migrations loaded)."""
    sd.load_catalogues()
    importlib.import_module("agreements.migrations.0002_default_catalogues").load_quality_levels(apps, None)


@pytest.fixture
def people(transactional_db):
    load_defaults()
    home = InstitutionFactory(
        name="Suchtberatung Lindenbrück", short_name="SB", arbeitsfeld=ArbeitsfeldFactory(name="Drogenhilfe")
    )
    youth = InstitutionFactory(
        name="Jugendamt Lindenbrück", short_name="JA", arbeitsfeld=ArbeitsfeldFactory(name="Jugendhilfe")
    )
    coordinator = qd.person(home, Role.KOORDINATION, first_name="Kora")
    agreement = create_agreement(
        coordinator, title=TITLE, preamble="", coordinating_institution=home, institutions=[youth]
    )
    Agreement.objects.filter(pk=agreement.pk).update(status=Status.IN_KRAFT)
    return {
        "home": home,
        "youth": youth,
        "agreement": agreement,
        "coordinator": coordinator,
        "berta": qd.representative(agreement, home, first_name="Berta"),
        "pia": qd.representative(agreement, youth, first_name="Pia"),
    }


def _heading(page, text) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def _choose_level(page, level: int, name: str) -> None:
    page.get_by_role("radio", name=re.compile(rf"^{level} – {re.escape(name)}:")).check()


def _assess(page, levels: list[tuple[int, str]], states: dict[str, str]) -> None:
    for level, name in levels:
        _choose_level(page, level, name)
    for label in CONDITIONS:
        if label in states:
            page.get_by_role("combobox", name=re.compile(rf"^{label}\) ")).select_option(label=states[label])


def _fill_in(new_page, login, check_axe, user, dialogue_url, levels, states, *, incomplete_first: bool) -> None:
    page = new_page()
    login(page, user)
    page.goto(dialogue_url)
    _heading(page, f"Qualitätsdialog {YEAR}")
    page.get_by_role("link", name="Selbsteinschätzung ausfüllen").click()
    _heading(page, "Selbsteinschätzung")
    check_axe(page)
    if incomplete_first:
        # Two levels and no conditions: the submission is refused field by field, in German.
        _assess(page, levels[:2], {})
        page.get_by_role("button", name="Selbsteinschätzung abgeben").click()
        expect(page.get_by_text("Bitte vor der Abgabe eine Stufe wählen.")).to_have_count(2)
        expect(page.get_by_text("Bitte vor der Abgabe einschätzen.")).to_have_count(10)
        check_axe(page)
        expect(
            page.get_by_role("radio", name=re.compile(rf"^{levels[0][0]} – {re.escape(levels[0][1])}:"))
        ).to_be_checked()
        # A draft keeps what is there.
        page.get_by_role("button", name="Entwurf speichern").click()
        expect(page.get_by_role("status")).to_contain_text("Der Entwurf wurde gespeichert.")
        check_axe(page)
    _assess(page, levels, states)
    page.get_by_label("Anmerkungen").fill("Gut eingespielt, aber zu wenig Austausch.")
    page.get_by_role("button", name="Selbsteinschätzung abgeben").click()
    expect(page.get_by_role("status")).to_contain_text("Ihre Selbsteinschätzung ist abgegeben.")
    _heading(page, f"Qualitätsdialog {YEAR}")
    # Read-only from now on.
    page.get_by_role("link", name="ansehen").click()
    expect(
        page.get_by_text("Diese Selbsteinschätzung ist abgegeben und kann nicht mehr geändert werden.")
    ).to_be_visible()
    expect(page.get_by_role("button", name="Selbsteinschätzung abgeben")).to_have_count(0)
    check_axe(page)


def test_two_partners_assess_and_the_coordinator_compares(new_page, login, check_axe, people):
    agreement = people["agreement"]

    # The coordinator opens this year's dialogue from the agreement.
    coordinator_page = new_page()
    login(coordinator_page, people["coordinator"])
    # The start page tells the Koordination that this year's dialogue is still to be opened.
    block = coordinator_page.get_by_role("region", name="Für die Koordination")
    expect(block).to_contain_text(f"{TITLE}: noch nicht eröffnet")
    check_axe(coordinator_page)
    coordinator_page.goto(reverse("agreement_detail", args=[agreement.pk]))
    coordinator_page.get_by_role("link", name="Qualitätsdialog").click()
    _heading(coordinator_page, "Qualitätsdialog")
    expect(coordinator_page.get_by_text("Noch kein Qualitätsdialog eröffnet.")).to_be_visible()
    check_axe(coordinator_page)
    coordinator_page.once("dialog", lambda dialog: dialog.accept())
    coordinator_page.get_by_role("button", name=f"Qualitätsdialog {YEAR} eröffnen").click()
    expect(coordinator_page.get_by_role("status")).to_contain_text(f"Der Qualitätsdialog {YEAR} ist eröffnet.")
    _heading(coordinator_page, f"Qualitätsdialog {YEAR}")
    expect(coordinator_page.get_by_text("ausstehend")).to_have_count(2)
    check_axe(coordinator_page)
    dialogue = QualityDialogue.objects.get(agreement=agreement, year=YEAR)
    dialogue_url = reverse("quality_dialogue", args=[dialogue.pk])

    # The Suchtberatung's representative: first an incomplete submission, then the whole assessment.
    _fill_in(
        new_page,
        login,
        check_axe,
        people["berta"],
        dialogue_url,
        [(1, "Unbekannt"), (3, "Vermittelnd"), (4, "Schriftlich vereinbart"), (2, "Anlassbezogen")],
        {**dict.fromkeys(CONDITIONS, "erfüllt"), "e": "nicht erfüllt"},
        incomplete_first=True,
    )
    # The Jugendamt's representative.
    _fill_in(
        new_page,
        login,
        check_axe,
        people["pia"],
        dialogue_url,
        [(4, "Fundiert"), (3, "Vermittelnd"), (5, "Gelebt und überprüft"), (4, "Regelmäßig")],
        dict.fromkeys(CONDITIONS, "erfüllt"),
        incomplete_first=False,
    )
    assert set(SelfAssessment.objects.filter(dialogue=dialogue).values_list("status", flat=True)) == {
        AssessmentStatus.SUBMITTED
    }

    # The coordinator sees both side by side and where they differ most.
    coordinator_page.reload()
    expect(coordinator_page.get_by_text("abgegeben", exact=True)).to_have_count(2)
    levels = coordinator_page.get_by_role("table", name="Abgegebene Stufen je Dimension und Partner")
    expect(levels.get_by_role("row")).to_have_count(5)
    expect(levels.get_by_role("row", name=re.compile("^Wissenstiefe"))).to_have_text(
        re.compile(r"Wissenstiefe zu den Angeboten der Partner\s*Stufe 1\s*Stufe 4")
    )
    expect(levels.get_by_role("row", name=re.compile("^Regelmäßigkeit"))).to_have_text(
        re.compile(r"Regelmäßigkeit des Austausches\s*Stufe 2\s*Stufe 4")
    )
    points = coordinator_page.get_by_role("region", name="Wo die Einschätzungen am weitesten auseinandergehen")
    expect(points.get_by_role("listitem")).to_have_text(
        [
            "„Wissenstiefe zu den Angeboten der Partner“: JA sieht Stufe 4, SB Stufe 1 (3 Stufen Unterschied).",
            "„Regelmäßigkeit des Austausches“: JA sieht Stufe 4, SB Stufe 2 (2 Stufen Unterschied).",
            "Bedingung e) „Vereinbarung gemeinsamer Kommunikations-, Rückmeldungs- und Berichtsstrukturen“ "
            "wird unterschiedlich eingeschätzt.",
            "„Verbindlichkeit der Zusammenarbeit“: JA sieht Stufe 5, SB Stufe 4 (1 Stufe Unterschied).",
        ]
    )
    conditions = coordinator_page.get_by_role("table", name="Einschätzung der zehn Bedingungen je Partner")
    expect(conditions.get_by_text("unterschiedlich")).to_have_count(1)
    expect(coordinator_page.get_by_role("img", name="Qualitätsstufen je Dimension über die Jahre")).to_be_visible()
    check_axe(coordinator_page)

    # The overview shows the year in the chart and no longer offers to open it.
    coordinator_page.get_by_role("link", name="Qualitätsdialog", exact=True).click()
    _heading(coordinator_page, "Qualitätsdialog")
    expect(coordinator_page.get_by_role("button", name=f"Qualitätsdialog {YEAR} eröffnen")).to_have_count(0)
    table = coordinator_page.get_by_role("table", name=re.compile("^Die Werte des Diagramms"))
    expect(table.get_by_role("row", name=re.compile("^Wissenstiefe"))).to_contain_text("2,5 (1–4)")
    check_axe(coordinator_page)


def test_network_picture_and_nachweis_are_accessible(new_page, login, check_axe, people):
    page = new_page()
    login(page, people["coordinator"])
    page.goto(reverse("institution_list"))
    page.get_by_role("link", name="Netzwerkbild").click()
    _heading(page, "Netzwerkbild")
    expect(page.get_by_role("img", name="Netzwerkbild der Kooperationen")).to_be_visible()
    matrix = page.get_by_role("table", name="Zahl der Vereinbarungen, an denen beide Institutionen beteiligt sind")
    expect(matrix.get_by_role("row", name=re.compile("^Suchtberatung"))).to_contain_text("1")
    check_axe(page)
    page.get_by_label("Arbeitsfeld").select_option(label="Drogenhilfe")
    page.get_by_role("button", name="Anzeigen").click()
    expect(page.get_by_role("link", name=TITLE)).to_be_visible()
    check_axe(page)

    page.goto(reverse("institution_detail", args=[people["home"].pk]))
    page.get_by_role("link", name="Nachweis der Kooperation (Qualitätsaudit)").click()
    _heading(page, "Nachweis der Kooperation")
    expect(page.get_by_role("link", name="Als PDF")).to_be_visible()
    expect(page.get_by_text("0 abgeschlossene Hilfekonferenzen")).to_be_visible()
    check_axe(page)
    page.get_by_label("von").fill(f"{YEAR}-06-01")
    page.get_by_label("bis").fill(f"{YEAR}-01-01")
    page.get_by_role("button", name="Anzeigen").click()
    expect(page.get_by_text("Das Ende des Zeitraums liegt vor seinem Beginn.")).to_be_visible()
    expect(page.get_by_role("link", name="Als PDF")).to_have_count(0)
    check_axe(page)


def test_administration_renames_a_level(new_page, login, check_axe, people, admin_user):
    page = new_page()
    login(page, admin_user)
    page.goto(reverse("quality_levels"))
    _heading(page, "Stufen der Kooperationsqualität")
    check_axe(page)
    page.get_by_role("link", name="Verbindlichkeit der Zusammenarbeit").click()
    _heading(page, "Verbindlichkeit der Zusammenarbeit")
    check_axe(page)
    level = page.get_by_role("group", name="Stufe 3")
    level.get_by_label("Bezeichnung").fill("")
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_text("Dieses Feld ist zwingend erforderlich.")).to_be_visible()
    check_axe(page)
    page.get_by_role("group", name="Stufe 3").get_by_label("Bezeichnung").fill("Feste Abläufe")
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("status")).to_contain_text("Die Stufen wurden gespeichert.")
    expect(page.get_by_text("Feste Abläufe")).to_be_visible()
