"""Journey: Koordination creates an agreement with three partners and writes all nine sections in a browser."""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps
from playwright.sync_api import expect

from agreements.models import Agreement, Criterion, Goal, TargetGroup
from agreements.services.agreement import copy_revision, create_agreement
from tests.agreement_data import fill_sections
from tests.factories import ArbeitsfeldFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def catalogues(transactional_db):
    """The default catalogues (an earlier live-server test may have flushed what the migration loaded)."""
    importlib.import_module("agreements.migrations.0002_default_catalogues").load_catalogues(apps, None)


@pytest.fixture
def partners(institution, partner_institution, other_institution):
    """Three institutions in three Arbeitsfelder."""
    for inst, name, position in (
        (institution, "Jugendhilfe", 1),
        (partner_institution, "Medizinische Versorgung", 2),
        (other_institution, "Drogenhilfe", 3),
    ):
        inst.arbeitsfeld = ArbeitsfeldFactory(name=name, position=position)
        inst.save()
    return institution, partner_institution, other_institution


def _progress(page, done: int) -> None:
    expect(page.get_by_text(f"{done} von 9 Abschnitten vollständig")).to_be_visible()


def _open_section(page, title: str) -> None:
    section = page.get_by_role("region", name=re.compile(rf"^\d\. {re.escape(title)}$"))
    section.get_by_role("link", name=re.compile(rf"^Bearbeiten\s*: {re.escape(title)}$")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


def _save_section(page, title: str) -> None:
    page.get_by_role("button", name="Speichern", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(f"Der Abschnitt „{title}“ wurde gespeichert.")


def _add_row(page, index: int) -> None:
    """Click 'Weitere Zeile' and wait for htmx to append row `index`."""
    page.get_by_role("button", name="Weitere Zeile").click()
    expect(page.locator(f"#id_zeilen-{index}-ORDER")).to_have_value(str(index + 1))
    expect(page.locator("#id_zeilen-TOTAL_FORMS")).to_have_value(str(index + 1))


def _row(page, index: int, field: str):
    return page.locator(f"#id_zeilen-{index}-{field}")


def _single(page, field: str):
    return page.locator(f"#id_abschnitt-{field}")


def test_koordination_writes_a_complete_agreement(page, login, check_axe, coordinator, partners, catalogues):
    youth, clinic, drugs = partners
    login(page, coordinator)
    expect(page.get_by_role("heading", level=1)).to_have_text("Guten Tag, Kora")
    check_axe(page)

    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Vereinbarungen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kooperationsvereinbarungen")
    expect(page.get_by_text("0 Vereinbarungen gefunden")).to_be_visible()
    check_axe(page)

    # Creation: title, preamble, coordinating institution and three partners.
    page.get_by_role("link", name="Vereinbarung anlegen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kooperationsvereinbarung anlegen")
    check_axe(page)
    page.get_by_role("button", name="Anlegen").click()
    expect(page.get_by_text("Dieses Feld ist zwingend erforderlich.")).to_be_visible()
    expect(page.get_by_label("Titel")).to_have_attribute("aria-invalid", "true")
    check_axe(page)
    page.get_by_label("Titel").fill("Kooperation Drogenhilfe, Jugendhilfe und Klinik")
    page.get_by_label("Präambel / Kurzbeschreibung").fill("Drogenabhängige Eltern und ihre Kinder früh unterstützen.")
    expect(page.get_by_label("koordinierende Institution")).to_have_value(str(youth.pk))
    page.get_by_label("Klinikum Teststadt (Medizinische Versorgung)").check()
    page.get_by_label("Drogenberatung Anderswo (Drogenhilfe)").check()
    page.get_by_role("button", name="Anlegen").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Kooperation Drogenhilfe, Jugendhilfe und Klinik")
    expect(page.get_by_role("status")).to_contain_text("wurde angelegt")
    expect(page.get_by_text(re.compile(r"Revision 000/\d\d\.\d{4}"))).to_be_visible()
    _progress(page, 1)  # the Basiskriterien come from the catalogue
    check_axe(page)
    agreement = Agreement.objects.get()
    assert list(agreement.partners.values_list("institution__name", flat=True)) == [
        "Jugendamt Teststadt",
        "Drogenberatung Anderswo",
        "Klinikum Teststadt",
    ]

    # What each partner brings and expects.
    page.get_by_role("link", name="Partner", exact=True).first.click()  # the button; the page index has one too
    expect(page.get_by_role("heading", level=1)).to_have_text("Partner und ihre Beiträge")
    check_axe(page)
    jugendamt = page.get_by_role("group", name="Jugendamt Teststadt")
    jugendamt.get_by_label("Was können wir einbringen?").fill("Hilfeplanung und Schutzauftrag")
    jugendamt.get_by_label("Was wünschen wir uns von den Partnern?").fill("Frühe Information mit Einwilligung")
    page.get_by_role("button", name="Beiträge speichern").click()
    expect(page.get_by_role("status")).to_contain_text("Die Beiträge und Erwartungen wurden gespeichert.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kooperation Drogenhilfe, Jugendhilfe und Klinik")
    expect(page.get_by_text("Hilfeplanung und Schutzauftrag")).to_be_visible()

    # 1. Zielgruppen: two rows, the second added by htmx and moved to the top.
    _open_section(page, "Zielgruppen")
    _row(page, 0, "name").fill("Schwangere mit Suchtproblematik")
    _add_row(page, 1)
    _row(page, 1, "name").fill("Eltern mit Kindern bis drei Jahre")
    _row(page, 1, "description").fill("auch substituierte Eltern")
    page.locator("[data-row]").nth(1).get_by_role("button", name="nach oben").click()
    expect(_row(page, 1, "ORDER")).to_have_value("1")
    expect(_row(page, 0, "ORDER")).to_have_value("2")
    expect(page.locator("[data-row]").first.locator("#id_zeilen-1-name")).to_be_visible()
    check_axe(page)
    _save_section(page, "Zielgruppen")
    _progress(page, 2)
    groups = page.locator("#abschnitt-zielgruppen li")
    expect(groups).to_have_count(2)
    expect(groups.first).to_contain_text("Eltern mit Kindern bis drei Jahre")
    assert list(TargetGroup.objects.values_list("name", flat=True)) == [
        "Eltern mit Kindern bis drei Jahre",
        "Schwangere mit Suchtproblematik",
    ]

    # 2. Ziele: a goal without indicator is refused, then saved with two.
    _open_section(page, "Ziele und Indikatoren")
    _row(page, 0, "text").fill("Kinder drogenabhängiger Eltern wachsen sicher auf")
    page.get_by_role("button", name="Speichern", exact=True).click()
    expect(page.get_by_text("Bitte mindestens einen messbaren Indikator angeben.")).to_be_visible()
    expect(_row(page, 0, "indicators")).to_have_attribute("aria-invalid", "true")
    check_axe(page)
    _row(page, 0, "indicators").fill("Jede Familie hat eine Hilfekonferenz\nU-Untersuchungen vollständig")
    _save_section(page, "Ziele und Indikatoren")
    _progress(page, 3)
    expect(page.get_by_text("Indikator: U-Untersuchungen vollständig")).to_be_visible()

    # 3. Basiskriterien: copied verbatim, moved with the buttons.
    _open_section(page, "Basiskriterien")
    expect(_row(page, 0, "text")).to_have_value(
        "eine Wohnung mit Wasser, Strom und Heizung, ohne extreme Verschmutzung"
    )
    page.locator("[data-row]").nth(5).get_by_role("button", name="nach oben").click()
    check_axe(page)
    _save_section(page, "Basiskriterien")
    _progress(page, 3)
    assert list(Criterion.objects.values_list("text", flat=True))[4:] == [
        "ausreichende pädagogische Förderung und emotionale Zuwendung",
        "ein strukturierter Alltag mit regelmäßiger täglicher Versorgung des Kindes",
    ]

    # 4. Aufgaben und Rollen: one row per partner.
    _open_section(page, "Aufgaben und Rollen")
    _add_row(page, 1)
    _add_row(page, 2)
    for index, (institution, role) in enumerate(
        [(youth, "Fallführung"), (clinic, "Geburtshilfe"), (drugs, "Suchtberatung")]
    ):
        _row(page, index, "institution").select_option(label=institution.name)
        _row(page, index, "role").fill(role)
        _row(page, index, "tasks").fill(f"{role}: Aufgaben nach Absprache")
    check_axe(page)
    _save_section(page, "Aufgaben und Rollen")
    _progress(page, 4)

    # 5. Kommunikationswege.
    _open_section(page, "Kommunikations-, Rückmeldungs- und Berichtswege")
    _row(page, 0, "subject").fill("Geburt eines Kindes")
    _row(page, 0, "between").fill("Klinik und Jugendamt")
    _row(page, 0, "channel").fill("Telefon")
    _row(page, 0, "frequency").fill("bei Anlass")
    check_axe(page)
    _save_section(page, "Kommunikations-, Rückmeldungs- und Berichtswege")
    _progress(page, 5)

    # 6. Datenschutz: a legal basis needs its reference.
    _open_section(page, "Datenschutz und Schweigepflicht")
    _single(page, "principles").fill("Die Datenschutzbestimmungen gelten für alle.")
    _single(page, "not_shared").fill("Diagnosen ohne Einwilligung")
    _single(page, "target_group_info").fill("Über jeden Austausch vorab")
    _row(page, 0, "information").fill("Gewichtige Anhaltspunkte einer Gefährdung")
    _row(page, 0, "between").fill("alle Partner und das Jugendamt")
    _row(page, 0, "basis").select_option(label="gesetzliche Grundlage")
    page.get_by_role("button", name="Speichern", exact=True).click()
    expect(page.get_by_text("Bei einer gesetzlichen Grundlage bitte die Fundstelle angeben.")).to_be_visible()
    check_axe(page)
    _row(page, 0, "legal_reference").fill("§ 8a SGB VIII")
    _save_section(page, "Datenschutz und Schweigepflicht")
    _progress(page, 6)

    # 7. Ablaufpläne: one per Arbeitsfeld.
    _open_section(page, "Ablaufpläne")
    _add_row(page, 1)
    _add_row(page, 2)
    for index, field in enumerate(["Jugendhilfe", "Medizinische Versorgung", "Drogenhilfe"]):
        _row(page, index, "arbeitsfeld").select_option(label=field)
        _row(page, index, "situation").fill(f"Eine Schwangere wendet sich an die {field}.")
        _row(page, index, "recommendation").fill("Mit Einwilligung zur Hilfekonferenz einladen")
        _row(page, index, "goal").fill("Frühe, abgestimmte Hilfe")
    check_axe(page)
    _save_section(page, "Ablaufpläne")
    _progress(page, 7)

    # 8. Hilfekonferenz.
    _open_section(page, "Hilfekonferenz")
    _single(page, "occasion").fill("Geburt eines Kindes, Krisen")
    _single(page, "frequency").fill("vierteljährlich")
    _single(page, "participants").fill("alle beteiligten Fachkräfte und die Eltern")
    _single(page, "protocol_distribution").fill("Ergebnisprotokoll an alle Teilnehmenden")
    check_axe(page)
    _save_section(page, "Hilfekonferenz")
    _progress(page, 8)

    # 9. Laufzeit: both a duration and an end date are refused, then the duration is kept.
    _open_section(page, "Laufzeit und Überprüfung")
    _single(page, "valid_from").fill("2026-01-01")
    _single(page, "duration_months").fill("24")
    _single(page, "valid_until").fill("2027-06-30")
    _single(page, "review_interval_months").fill("12")
    _single(page, "board_duties").fill("Jährliche Überprüfung der Handhabung")
    page.get_by_role("button", name="Speichern", exact=True).click()
    expect(page.get_by_text("nicht beides")).to_be_visible()
    expect(_single(page, "valid_until")).to_have_attribute("aria-invalid", "true")
    check_axe(page)
    _single(page, "valid_until").fill("")
    _save_section(page, "Laufzeit und Überprüfung")

    _progress(page, 9)
    # The width is a stylesheet class (the CSP forbids inline styles); the bar really fills its track.
    expect(page.locator(".progress-bar")).to_have_class(re.compile(r"\bprogress-w-20\b"))
    filled = page.locator(".progress-bar").evaluate("bar => bar.offsetWidth / bar.parentElement.clientWidth")
    assert filled == pytest.approx(1, abs=0.01)
    expect(page.get_by_text("24 Monate (bis 31.12.2027)")).to_be_visible()
    expect(page.locator(".missing-list")).to_have_count(0)
    check_axe(page)
    assert Goal.objects.get().indicators.count() == 2

    page.get_by_role("link", name="Verlauf").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Verlauf")
    expect(page.get_by_role("heading", level=2).filter(has_text=str(coordinator)).first).to_be_visible()
    check_axe(page)


def test_partner_reads_history_and_compares_revisions(
    page, login, check_axe, member, coordinator, partners, catalogues
):
    youth, clinic, _drugs = partners
    first = fill_sections(
        create_agreement(
            coordinator,
            title="Kooperation rund um die Geburt",
            preamble="",
            coordinating_institution=youth,
            institutions=[clinic],
        ),
        rows=2,
    )
    Agreement.objects.filter(pk=first.pk).update(status="in_kraft")
    first.refresh_from_db()
    amendment = copy_revision(first, coordinator)
    Goal.objects.filter(agreement=amendment, text="Ziel 0").update(text="Ziel 0, neu gefasst")

    login(page, member)
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Vereinbarungen").click()
    results = page.get_by_role("table", name="Kooperationsvereinbarungen")
    expect(results.get_by_role("link", name="Kooperation rund um die Geburt")).to_have_count(2)
    results.get_by_role("row").filter(has_text="Revision 001").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kooperation rund um die Geburt")
    expect(page.get_by_role("link", name=re.compile("^Bearbeiten"))).to_have_count(0)
    check_axe(page)

    page.get_by_role("link", name="Revisionen vergleichen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Revisionen vergleichen")
    expect(page.locator("ins.diff-added")).to_contain_text("Ziel 0, neu gefasst")
    expect(page.locator("del.diff-removed")).to_contain_text("Ziel: Ziel 0")
    check_axe(page)

    page.goto(first.get_absolute_url())
    expect(page.get_by_text("kann nicht mehr bearbeitet werden")).to_be_visible()
    check_axe(page)
    page.get_by_role("link", name="Verlauf").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Verlauf")
    check_axe(page)
