"""Administration imports 40 institutions from a CSV (three bad rows first), then staff, invites them in bulk;
one of them accepts."""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps
from playwright.sync_api import expect

from kooperation.network.exchange import tables
from kooperation.network.models import Arbeitsfeld, Institution, User
from kooperation.ops.models import OutgoingMail

pytestmark = pytest.mark.browser

HEADER = ";".join(c.header for c in tables.INSTITUTION_COLUMNS)
STAFF_HEADER = ";".join(c.header for c in tables.STAFF_COLUMNS)


def _line(number: int, *, arbeitsfeld: str = "Jugendhilfe", postal_code: str = "12345", name: str = "") -> str:
    name = name or f"Träger {number:02}"
    return (
        f"{name};T{number:02};{arbeitsfeld};Weg {number};{postal_code};Teststadt;030 1234;info{number}@example.org;;"
        f'Beratung;Eva {number};Aufnahme;;;"Beratung; Gruppe";Dr. Leit {number};Vorstand'
    )


def _csv(lines: list[str], header: str = HEADER) -> dict:
    return {"name": "institutionen.csv", "mimeType": "text/csv", "buffer": "\n".join([header, *lines]).encode()}


def _upload(page, label: str, file: dict) -> None:
    section = page.get_by_role("region", name=label)
    section.get_by_label("Datei (CSV oder XLSX)").set_input_files(file)
    section.get_by_role("button", name=f"{label} prüfen").click()


@pytest.fixture(autouse=True)
def arbeitsfelder(transactional_db):
    """The default Arbeitsfelder (an earlier live-server test may have flushed what the migration loaded)."""
    if not Arbeitsfeld.objects.exists():
        importlib.import_module("kooperation.network.migrations.0002_default_arbeitsfelder").create_fields(apps, None)


def test_administration_imports_institutions_after_fixing_three_rows(page, new_page, login, check_axe, admin_user):
    good = [_line(n) for n in range(1, 41)]
    bad = list(good)
    bad[4] = _line(5, arbeitsfeld="Raumfahrt")
    bad[11] = _line(12, postal_code="1234")
    bad[29] = _line(30, name="Träger 01")

    login(page, admin_user)
    page.goto("/verwaltung/import/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Import und Export")
    check_axe(page)

    _upload(page, "Institutionen", _csv(bad))
    expect(page.get_by_role("heading", level=1)).to_have_text("Vorschau: Institutionen")
    expect(page.get_by_text("3 Zeilen haben Fehler.", exact=False)).to_be_visible()
    rows = page.get_by_role("table", name="Zeilen der Datei")
    expect(rows.get_by_text("Unbekanntes Arbeitsfeld „Raumfahrt“", exact=False)).to_be_visible()
    expect(rows.get_by_text("Die Postleitzahl „1234“ hat nicht fünf Ziffern.")).to_be_visible()
    expect(rows.get_by_text("„Träger 01“ steht schon in Zeile 2.")).to_be_visible()
    expect(page.get_by_role("button", name="Import bestätigen")).to_have_count(0)
    check_axe(page)
    assert not Institution.objects.filter(name__startswith="Träger").exists()

    page.get_by_role("link", name="Korrigierte Datei hochladen").click()
    _upload(page, "Institutionen", _csv(good))
    expect(page.get_by_text("Alle Zeilen sind in Ordnung. Noch ist nichts gespeichert.")).to_be_visible()
    expect(page.get_by_text("40 Zeilen – 40 neu, 0 werden aktualisiert", exact=False)).to_be_visible()
    check_axe(page)
    page.get_by_role("button", name="Import bestätigen").click()
    expect(page.get_by_text("Import abgeschlossen: 40 neu angelegt, 0 aktualisiert.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/netzwerk/"))
    assert Institution.objects.filter(name__startswith="Träger").count() == 40

    staff = [f"Person;{n:02};person{n:02}@import.example;Träger {n:02};Mitglied" for n in range(1, 6)]
    page.goto("/verwaltung/import/")
    _upload(page, "Personen", _csv(staff, header=STAFF_HEADER))
    expect(page.get_by_text("5 Zeilen – 5 neu", exact=False)).to_be_visible()
    page.get_by_role("button", name="Import bestätigen").click()
    expect(page.get_by_text("Import abgeschlossen: 5 neu angelegt, 0 aktualisiert.")).to_be_visible()
    assert User.objects.filter(email__endswith="@import.example").count() == 5

    page.goto("/verwaltung/benutzer/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Benutzerkonten")
    for n in range(1, 6):
        page.get_by_label(f"person{n:02}@import.example auswählen").check()
    page.get_by_label(f"{admin_user.email} auswählen").check()
    check_axe(page)
    page.get_by_role("button", name="Ausgewählte einladen").click()
    expect(page.get_by_text("5 Einladungen wurden verschickt.")).to_be_visible()
    expect(page.get_by_text(f"Nicht eingeladen (hat bereits ein Passwort): {admin_user.email}")).to_be_visible()
    expect(page.get_by_text("eingeladen", exact=True)).to_have_count(5)
    check_axe(page)

    body = OutgoingMail.objects.get(recipient="person03@import.example").body
    link = re.search(r"https?://[^/\s]+(/konto/einladung/\S+/)", body).group(1)
    person = new_page()
    person.goto(link)
    expect(person.get_by_role("heading", level=1)).to_have_text("Einladung annehmen")
    check_axe(person)
    person.locator("#id_new_password1").fill("Import-Reise-Passwort-2026")
    person.locator("#id_new_password2").fill("Import-Reise-Passwort-2026")
    person.get_by_role("button", name="Passwort speichern und anmelden").click()
    expect(person.get_by_text("Willkommen! Ihr Passwort ist gespeichert und Sie sind angemeldet.")).to_be_visible()
    expect(person.get_by_role("heading", level=1)).to_have_text("Guten Tag, Person")
    check_axe(person)

    page.reload()
    expect(page.get_by_text("angenommen", exact=True)).to_have_count(1)
