"""A Hilfekonferenz in a real browser: consent, protocol with criteria and tasks, PDF, a partner marks a task done."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from agreements.models import Agreement, Status
from conferences.models import Case, Conference, Task, TaskStatus
from tests.conference_fixtures import MINIMAL_PDF, ensure_criteria

pytestmark = pytest.mark.browser

TASKS = [
    ("Krippenplatz beantragen", "Jugendamt Teststadt"),
    ("Termin für die U6 vereinbaren", "Klinikum Teststadt"),
    ("Budgetberatung anbieten", "Jugendamt Teststadt"),
]


def test_fachkraft_documents_a_conference_and_a_partner_marks_a_task_done(
    new_page, login, check_axe, agreement, caseworker, partner_worker, media_root, tmp_path
):
    ensure_criteria(agreement)
    Agreement.objects.filter(pk=agreement.pk).update(status=Status.IN_KRAFT)  # the case form offers those in force
    yesterday = timezone.localdate() - timedelta(days=1)
    page = new_page()
    login(page, caseworker)

    # Open a case: only a pseudonymous code, no names.
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Fälle").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fälle")
    check_axe(page)
    page.get_by_role("link", name="Fall anlegen").click()
    page.get_by_label("Vereinbarung").select_option(label=agreement.title)
    check_axe(page)
    page.get_by_role("button", name="Fall anlegen").click()
    case = Case.objects.get()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Fall {case.code}")
    expect(page.get_by_role("note")).to_contain_text("Es liegt keine gültige Einwilligung vor.")
    expect(page.get_by_role("link", name="Hilfekonferenz planen")).to_have_count(0)
    check_axe(page)

    # Record the consent of the mother, covering both institutions, with the scanned form.
    page.get_by_role("link", name="Einwilligung erfassen").click()
    page.get_by_label("Erklärt von").select_option(label="Mutter")
    page.get_by_label("Gültig bis").fill((yesterday + timedelta(days=365)).isoformat())
    page.get_by_label("Klinikum Teststadt").check()
    page.get_by_label("Teilnahme an Hilfekonferenzen und Ergebnisprotokolle").check()
    scan = tmp_path / "erklaerung.pdf"
    scan.write_bytes(MINIMAL_PDF)
    page.get_by_label("Eingescannte Erklärung").set_input_files(str(scan))
    check_axe(page)
    page.get_by_role("button", name="Einwilligung erfassen").click()
    expect(page.get_by_role("status")).to_contain_text("Die Einwilligung wurde erfasst.")

    # Now the clinic may take part.
    page.get_by_role("link", name="Institutionen", exact=True).click()
    page.get_by_label(re.compile(r"Klinikum Teststadt \(")).check()
    check_axe(page)
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("status")).to_contain_text("Die beteiligten Institutionen wurden gespeichert.")

    # Plan the conference and invite the clinic's Fachkraft.
    page.get_by_role("link", name="Hilfekonferenz planen").click()
    page.get_by_label("Datum").fill(yesterday.isoformat())
    page.get_by_label("Beginn").fill("10:00")
    page.get_by_label("Ende").fill("11:30")
    page.get_by_label("Ort").fill("Jugendamt, Raum 3")
    page.get_by_label(f"{partner_worker} – Klinikum Teststadt (Fachkraft)").check()
    page.get_by_label(f"{caseworker} – Jugendamt Teststadt (Fachkraft)").check()
    check_axe(page)
    page.get_by_role("button", name="Hilfekonferenz planen").click()
    conference = Conference.objects.get()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hilfekonferenz am {yesterday:%d.%m.%Y}")
    check_axe(page)

    # Document: analysis, help needs, the check of every Basiskriterium, three binding tasks.
    page.get_by_role("link", name="Protokoll bearbeiten").click()
    page.get_by_label("Situationsanalyse", exact=True).fill("Die Mutter versorgt das Kind verlässlich.")
    page.get_by_label("Hilfebedarf Mutter/Eltern").fill("Begleitung bei Behördengängen.")
    page.get_by_label("Hilfebedarf Kind").fill("Krippenplatz und Vorsorgeuntersuchung.")
    checks = conference.checks.count()
    assert checks == 6
    # The check is a compact table: the four ratings of a criterion take two lines at most, not four.
    for i in range(checks):
        ratings = page.locator(".criteria-table tbody tr").nth(i).locator("td").first.locator("div").first
        assert ratings.bounding_box()["height"] <= 60, f"Kriterium {i + 1}: Einschätzungen über mehr als zwei Zeilen"
    for i in range(checks):
        rating = "teilweise" if i == 4 else "erfuellt"
        page.locator(f'[name="kriterien-{i}-rating"][value="{rating}"]').check()
    page.locator('[name="kriterien-4-note"]').fill("Tagesstruktur noch unregelmäßig.")
    add_task = page.get_by_role("button", name="Weitere Aufgabe")
    for i, (what, institution) in enumerate(TASKS):
        if i:
            add_task.click()
        page.locator(f'[name="aufgaben-{i}-what"]').fill(what)
        page.locator(f'[name="aufgaben-{i}-responsible_institution"]').select_option(label=institution)
        page.locator(f'[name="aufgaben-{i}-due_on"]').fill((yesterday + timedelta(days=14 + i)).isoformat())
        page.locator(f'[name="aufgaben-{i}-with_whom"]').fill("mit der Mutter")
    check_axe(page)

    # A due date in the past gets a German message at the field, and nothing is lost.
    page.locator('[name="aufgaben-2-due_on"]').fill(yesterday.isoformat())
    page.get_by_role("button", name="Speichern", exact=True).click()
    expect(page.get_by_text("Das Datum „bis wann“ darf nicht in der Vergangenheit liegen.")).to_be_visible()
    check_axe(page)
    page.locator('[name="aufgaben-2-due_on"]').fill((yesterday + timedelta(days=20)).isoformat())
    page.get_by_role("button", name="Speichern", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Das Protokoll wurde gespeichert.")
    assert [t.what for t in Task.objects.order_by("position")] == [t[0] for t in TASKS]

    # Finalise: read-only from now on.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Protokoll abschließen").click()
    expect(page.get_by_role("status")).to_contain_text("Das Ergebnisprotokoll ist abgeschlossen.")
    expect(page.get_by_role("link", name="Protokoll bearbeiten")).to_have_count(0)
    check_axe(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Ergebnisprotokoll (PDF)").click()
    download = download_info.value
    assert download.suggested_filename == f"Ergebnisprotokoll-{case.code}-{yesterday:%Y-%m-%d}.pdf"
    target = tmp_path / "protokoll.pdf"
    download.save_as(target)
    assert target.read_bytes().startswith(b"%PDF-")

    # The clinic's Fachkraft marks its task done from Meine Aufgaben.
    colleague = new_page()
    login(colleague, partner_worker)
    colleague.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Meine Aufgaben").click()
    expect(colleague.get_by_role("heading", level=1)).to_have_text("Meine Aufgaben")
    expect(colleague.get_by_text("Termin für die U6 vereinbaren")).to_be_visible()
    expect(colleague.get_by_text("Krippenplatz beantragen")).to_have_count(0)
    check_axe(colleague)
    form = colleague.get_by_role("form", name="Stand der Aufgabe 1")
    form.get_by_label("erledigt").check()  # nothing is chosen in advance
    form.get_by_label("Vermerk").fill("Termin am Montag steht.")
    form.get_by_role("button", name="Stand speichern").click()
    expect(colleague.get_by_role("status")).to_contain_text("Die Aufgabe ist als „erledigt“ vermerkt.")
    expect(colleague.get_by_text("Keine Aufgaben – alles erledigt.")).to_be_visible()
    check_axe(colleague)
    done = Task.objects.get(what="Termin für die U6 vereinbaren")
    assert done.status == TaskStatus.ERLEDIGT
    assert done.status_changed_by == partner_worker

    # The case overview shows the check and the tasks still open.
    page.goto(case.get_absolute_url())
    expect(page.get_by_role("table")).to_contain_text("teilweise erfüllt")
    expect(page.get_by_text("Krippenplatz beantragen")).to_be_visible()
    expect(page.get_by_text("Termin für die U6 vereinbaren")).to_have_count(0)
    check_axe(page)
