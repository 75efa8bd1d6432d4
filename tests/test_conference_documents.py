"""The Ergebnisprotokoll and the Sitzungsprotokoll as PDF, and the calendar file of a Hilfekonferenz."""

from __future__ import annotations

import shutil
import subprocess
from datetime import time

import pytest
from django.urls import reverse

from conferences import permissions as perms
from conferences.documents import ConferenceProtocol
from conferences.ics import conference_calendar
from conferences.services.conferences import add_addendum
from kooperation.core.documents import BASE_URL, StaticFilesURLFetcher, URLRefused

pytestmark = pytest.mark.django_db

needs_poppler = pytest.mark.skipif(
    not (shutil.which("pdftotext") and shutil.which("qpdf")), reason="poppler-utils and qpdf are needed"
)


def _download(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return b"".join(response.streaming_content)


def _text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "dokument.pdf"
    path.write_bytes(pdf)
    check = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True, check=False)  # noqa: S603, S607
    assert check.returncode == 0, check.stdout + check.stderr
    return subprocess.run(  # noqa: S603
        ["pdftotext", "-layout", str(path), "-"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout


@needs_poppler
def test_protocol_pdf_holds_the_whole_protocol(client_for, member, final_conference, tmp_path):
    response = client_for(member).get(reverse("conference_pdf", args=[final_conference.pk]))
    assert f"Ergebnisprotokoll-{final_conference.case.code}" in response["Content-Disposition"]
    text = _text(b"".join(response.streaming_content), tmp_path)
    for expected in (
        "Ergebnisprotokoll der Hilfekonferenz",
        f"Fall {final_conference.case.code}",
        "Vertraulich",
        "Situationsanalyse",
        "Die Familie lebt in einer eigenen Wohnung",
        "Hilfebedarf Kind",
        "1. eine Wohnung mit Wasser",  # the criteria table wraps the rest of the cell
        "Aufgabe 1: Termin vereinbaren",
        "Abgeschlossen am",
        "Seite 1 von 2",
        f"Ergebnisprotokoll · Fall {final_conference.case.code}",
    ):
        assert expected in " ".join(text.split()), expected  # table cells wrap


@needs_poppler
def test_protocol_pdf_marks_drafts(client_for, coordinator, conference, tmp_path):
    text = _text(_download(client_for(coordinator), reverse("conference_pdf", args=[conference.pk])), tmp_path)
    assert "Entwurf – nicht abgeschlossen" in text
    assert "Entwurf – das Protokoll ist noch nicht abgeschlossen." in text


@needs_poppler
def test_protocol_pdf_carries_the_addenda(client_for, coordinator, final_conference, tmp_path):
    add_addendum(coordinator, text="Korrektur: Moderation hatte die Fachkraft.", conference=final_conference)
    text = _text(_download(client_for(coordinator), reverse("conference_pdf", args=[final_conference.pk])), tmp_path)
    assert "Nachträge" in text
    assert "Korrektur: Moderation hatte die Fachkraft." in text


@needs_poppler
def test_meeting_pdf_lists_attendance_and_decisions(client_for, member, final_meeting, tmp_path):
    text = _text(_download(client_for(member), reverse("meeting_pdf", args=[final_meeting.pk])), tmp_path)
    for expected in (
        "Sitzungsprotokoll",
        "Kora Koordination",
        "anwesend",
        "TOP 1: Stand der Vereinbarung",
        "Seite 1 von 1",
    ):
        assert expected in text, expected


def test_content_cannot_smuggle_markup_into_the_pdf(coordinator, conference):
    conference.situation = '<img src="file:///etc/passwd"><link rel="stylesheet" href="http://example.com/x.css">'
    html = ConferenceProtocol(conference, perms.protocol_release(coordinator, conference)).render_html()
    assert "<img src" not in html
    assert "&lt;img src=&quot;file:///etc/passwd&quot;&gt;" in html


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "http://example.com/x.css", f"{BASE_URL}static/../../settings.py", f"{BASE_URL}x.css"]
)
def test_the_renderer_loads_nothing_but_static_files(url):
    with pytest.raises(URLRefused):
        StaticFilesURLFetcher().fetch(url)


def test_the_renderer_loads_the_print_styles():
    response = StaticFilesURLFetcher().fetch(f"{BASE_URL}static/css/print-protocol.css")
    assert b"Kooperation Sans" in response.read()


def test_calendar_file_has_time_place_and_link_but_no_case_content(client_for, member, conference):
    conference.situation = "Vertrauliche Einschätzung"
    conference.start_time, conference.end_time = time(10, 0), time(11, 30)
    conference.save()
    response = client_for(member).get(reverse("conference_ics", args=[conference.pk]))
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n")
    assert body.endswith("END:VCALENDAR\r\n")
    unfolded = body.replace("\r\n ", "")
    start = conference.date.strftime("%Y%m%d")
    assert f"DTSTART:{start}T0" in unfolded  # 10:00 in Berlin is 08:00 or 09:00 UTC
    assert f"SUMMARY:Hilfekonferenz {conference.case.code}" in unfolded
    assert "LOCATION:Jugendamt\\, Raum 3" in unfolded
    assert conference.get_absolute_url() in unfolded
    assert "Vertrauliche" not in unfolded
    assert f'ATTENDEE;CN="{conference.invited.get()}";ROLE=REQ-PARTICIPANT:mailto:' in unfolded
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))


def test_long_calendar_lines_are_folded_between_characters(conference):
    conference.place = "Übergabe " * 20
    body = conference_calendar(conference)
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    assert "LOCATION:" + ("Übergabe " * 20).strip() in body.replace("\r\n ", "")


def test_conference_calendar_counts_its_versions(conference):
    assert f"SEQUENCE:{conference.version}" in conference_calendar(conference)


@needs_poppler
def test_protocol_criteria_table_fits_on_the_first_page(client_for, coordinator, final_conference, tmp_path):
    """Six Basiskriterien with an Einschätzung and a note each: one compact table, all of it on page 1."""
    checks = list(final_conference.checks.all())
    assert len(checks) == 6
    for check in checks:
        check.note = "Wird in der nächsten Hilfekonferenz erneut geprüft."
        check.save(update_fields=["note"])
    pdf = tmp_path / "protokoll.pdf"
    pdf.write_bytes(_download(client_for(coordinator), reverse("conference_pdf", args=[final_conference.pk])))
    first = subprocess.run(  # noqa: S603
        ["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    table = first[first.index("Prüfung der Basiskriterien") :]
    for column in ("Basiskriterium", "Einschätzung", "Bemerkung"):
        assert column in table
    for number, check in enumerate(checks, start=1):
        assert f"{number}. " in table, number
        assert " ".join(check.text.split()[-2:]) in " ".join(table.split()), check.text
    assert " ".join(table.split()).count("erfüllt") >= 6
