"""Journey: a three-partner agreement walked through the working structure up to every partner's approval."""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps
from playwright.sync_api import expect

from agreements.models import Agreement, AnswerStatus, Reflection, Status, SubgroupAnswer
from agreements.queries.structure import Structure
from agreements.services.agreement import create_agreement
from kooperation.network.models import Role
from tests.factories import ArbeitsfeldFactory
from tests.structure_data import fill_sections, person

pytestmark = pytest.mark.browser

TITLE = "Kooperationsvereinbarung Teststadt"


@pytest.fixture
def catalogues(transactional_db):
    """The default catalogues with their sections (an earlier live-server test may have flushed them)."""
    importlib.import_module("agreements.migrations.0002_default_catalogues").load_catalogues(apps, None)


@pytest.fixture
def people(catalogues, institution, partner_institution, other_institution, coordinator, member):
    """Three institutions in three Arbeitsfelder, with a person to work for each."""
    for inst, name, position in (
        (institution, "Jugendhilfe", 1),
        (partner_institution, "Medizinische Versorgung", 2),
        (other_institution, "Drogenhilfe", 3),
    ):
        inst.arbeitsfeld = ArbeitsfeldFactory(name=name, position=position)
        inst.save()
    return {
        "JA": member,
        "KL": person(partner_institution, Role.MITGLIED, first_name="Paula"),
        "DB": person(other_institution, Role.MITGLIED, first_name="Dario"),
    }


@pytest.fixture
def two_partners(people, coordinator, institution, partner_institution):
    """The agreement as Koordination created it: Jugendamt and Klinikum; the Drogenberatung joins on the way."""
    return create_agreement(
        coordinator,
        title=TITLE,
        preamble="Gemeinsam für Familien.",
        coordinating_institution=institution,
        institutions=[partner_institution],
    )


def _saved(page, text: str) -> None:
    expect(page.get_by_role("status")).to_contain_text(text)


def _missing(page, reason: str) -> None:
    """The reason is listed as missing (it may also appear in why a later step or transition is locked)."""
    expect(page.get_by_role("listitem").filter(has_text=reason)).to_have_count(1)


def _heading(page, text: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def _step(page, title: str) -> None:
    page.get_by_role("navigation", name="Schritte der Erarbeitung").get_by_role(
        "link", name=re.compile(rf"^\d\. {re.escape(title)}\b")
    ).click()
    _heading(page, title)


def _transition(page, label: str) -> None:
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=label).click()


def test_three_partners_walk_from_partners_to_all_approvals(
    new_page, login, check_axe, two_partners, people, coordinator, institution, partner_institution, other_institution
):
    agreement = two_partners
    page = new_page()
    login(page, coordinator)

    # 1. Partner & Arbeitsfelder: the Drogenberatung joins.
    page.goto(f"/vereinbarungen/{agreement.pk}/partner/")
    _heading(page, "Partner und ihre Beiträge")
    check_axe(page)
    page.get_by_label("Drogenberatung Anderswo (Drogenhilfe)").check()
    page.get_by_role("button", name="Partnerliste speichern").click()
    _saved(page, "Die Partnerliste wurde gespeichert.")

    page.goto(f"/vereinbarungen/{agreement.pk}/leitfaden/")
    _heading(page, "Schritt für Schritt zur Kooperationsvereinbarung")
    expect(page.get_by_text("1 von 8 Schritten abgeschlossen")).to_be_visible()
    _missing(page, "Für das Arbeitsfeld Medizinische Versorgung fehlt noch eine Vertretung in der Vorbereitungsgruppe.")
    _missing(page, "Für „Drogenberatung Anderswo“ fehlt noch eine Vertretung im Kooperationsgremium.")
    expect(page.get_by_role("button", name="Erarbeitung beginnen")).to_be_disabled()
    check_axe(page)

    # 2. Vorbereitungsgruppe: one person per Arbeitsfeld.
    _step(page, "Vorbereitungsgruppe")
    expect(page.get_by_text("Vor- und Nachbereitung der Arbeitstreffen des Kooperationsgremiums")).to_be_visible()
    check_axe(page)
    page.get_by_label("Jugendhilfe", exact=True).select_option(label=coordinator.get_full_name())
    page.get_by_label("Medizinische Versorgung", exact=True).select_option(label=people["KL"].get_full_name())
    page.get_by_label("Drogenhilfe", exact=True).select_option(label=people["DB"].get_full_name())
    page.get_by_role("button", name="Besetzung speichern").click()
    _saved(page, "Die Besetzung wurde gespeichert.")
    expect(page.get_by_text("Dieser Schritt ist abgeschlossen.")).to_be_visible()
    check_axe(page)

    # 3. Kooperationsgremium: a representative of every partner institution.
    _step(page, "Kooperationsgremium")
    _missing(page, "Für „Klinikum Teststadt“ fehlt noch eine Vertretung im Kooperationsgremium.")
    check_axe(page)
    for user in (coordinator, people["KL"], people["DB"]):
        page.get_by_label(user.get_full_name(), exact=True).check()
    page.get_by_role("button", name="Besetzung speichern").click()
    _saved(page, "Die Besetzung wurde gespeichert.")
    expect(page.get_by_text("Dieser Schritt ist abgeschlossen.")).to_be_visible()

    # 4. Untergruppen: one per institution, members from that institution.
    _step(page, "Untergruppen")
    check_axe(page)
    expect(page.get_by_label("je Institution")).to_be_checked()
    page.get_by_role("button", name="Fehlende Untergruppen anlegen").click()
    _saved(page, "3 Untergruppen angelegt; alle Leitfragen sind zugewiesen.")
    for short, user in people.items():
        page.get_by_role("link", name=re.compile(rf"^Besetzen\s*: Untergruppe {short}$")).click()
        _heading(page, f"Untergruppe {short}")
        if short == "JA":
            expect(page.get_by_label(people["KL"].get_full_name())).to_have_count(0)
            check_axe(page)
        page.get_by_label(user.get_full_name(), exact=True).check()
        page.get_by_role("button", name="Speichern", exact=True).click()
        _saved(page, "Die Untergruppe wurde gespeichert.")
    expect(page.get_by_text("Dieser Schritt ist abgeschlossen.")).to_be_visible()
    check_axe(page)

    page.goto(f"/vereinbarungen/{agreement.pk}/leitfaden/")
    expect(page.get_by_text("4 von 8 Schritten abgeschlossen")).to_be_visible()
    _transition(page, "Erarbeitung beginnen")
    _saved(page, "Die Vereinbarung hat jetzt den Status „In Erarbeitung“.")

    # 5. Each institution's subgroup answers its Leitfragen and its internal clarification.
    for short, user in people.items():
        own = new_page()
        login(own, user)
        _heading(own, f"Guten Tag, {user.first_name}")
        expect(own.get_by_text("Was jetzt von Ihnen erwartet wird")).to_be_visible()
        if short == "JA":
            check_axe(own)
        own.get_by_role("link", name=f"11 Leitfragen offen in der Untergruppe {short} ({TITLE})").click()
        _heading(own, f"Untergruppe {short}")
        answers = own.locator("textarea[name^='antworten-']")
        expect(answers).to_have_count(11)
        for index in range(11):
            answers.nth(index).fill(f"{short}: Antwort auf Leitfrage {index + 1}")
        if short == "JA":
            check_axe(own)
        own.get_by_role("button", name="Beantwortete Fragen an das Gremium übergeben").click()
        _saved(own, "11 Antworten wurden an das Gremium übergeben.")
        expect(own.get_by_role("button", name="Zurückholen und überarbeiten")).to_have_count(11)
        if short == "JA":
            check_axe(own)

        own.goto("/")
        own.get_by_role("link", name=f"Interne Klärung von {short} noch nicht übergeben ({TITLE})").click()
        _heading(own, "Interne Klärung anhand von fünf Fragen")
        questions = own.locator("textarea[name^='fragen-']")
        expect(questions).to_have_count(5)
        for index in range(5):
            questions.nth(index).fill(f"{short}: interne Klärung {index + 1}")
        if short == "JA":
            check_axe(own)
        own.get_by_role("button", name="An das Gremium übergeben").click()
        _saved(own, "Die interne Klärung wurde an das Gremium übergeben.")
    assert not SubgroupAnswer.objects.filter(subgroup__agreement=agreement, status=AnswerStatus.DRAFT).exists()
    assert not Reflection.objects.filter(partner__agreement=agreement, status=AnswerStatus.DRAFT).exists()

    # The board sees every subgroup's answers side by side.
    page.goto(f"/vereinbarungen/{agreement.pk}/leitfaden/")
    _step(page, "Ergebnisse der Untergruppen")
    expect(page.get_by_text("Dieser Schritt ist abgeschlossen.")).to_be_visible()
    first = page.get_by_role("region", name=re.compile(r"^1\. Welche Haltung"))
    for short in people:
        expect(first.get_by_text(f"{short}: Antwort auf Leitfrage 1")).to_be_visible()
    check_axe(page)

    # 6. Vereinbarungstext: the nine sections are written in the database to keep this journey short
    # (the browser journey of tests/browser/test_agreement_journey.py writes them through the forms).
    fill_sections(agreement)

    # 7. Abstimmung: Koordination starts it, every partner's board representative approves.
    _step(page, "Abstimmung")
    check_axe(page)
    _transition(page, "Abstimmung beginnen")
    _saved(page, "Die Vereinbarung hat jetzt den Status „In Abstimmung“.")
    assert Agreement.objects.get(pk=agreement.pk).status == Status.IN_ABSTIMMUNG

    for short, user in (("JA", coordinator), ("KL", people["KL"]), ("DB", people["DB"])):
        board = page if user == coordinator else new_page()
        if board is not page:
            login(board, user)
        else:
            board.goto("/")
        expected = board.get_by_role("link", name=f"Ihre Zustimmung wird erwartet: {TITLE} (für {short})")
        expect(expected).to_be_visible()
        expected.click()
        _heading(board, "Abstimmung")
        board.get_by_label("zugestimmt", exact=True).check()
        if short == "JA":
            check_axe(board)
        board.get_by_role("button", name="Entscheidung speichern").click()
        _saved(board, "Ihre Entscheidung wurde gespeichert.")
        expect(board.get_by_role("button", name="Entscheidung speichern")).to_have_count(0)

    page.goto(f"/vereinbarungen/{agreement.pk}/abstimmung/")
    decisions = page.get_by_role("table", name="Entscheidungen der Partner in der aktuellen Runde")
    expect(decisions.get_by_text("zugestimmt", exact=True)).to_have_count(3)
    expect(page.get_by_text("Dieser Schritt ist abgeschlossen.")).to_be_visible()
    check_axe(page)
    assert Structure(Agreement.objects.get(pk=agreement.pk)).all_approved()
