"""Uploaded consent scans are judged by their bytes: type, extension, Content-Type and active PDF content."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conferences.models import InformationKind
from kooperation.core.errors import DomainError
from kooperation.core.uploads import JPEG, PDF, PNG, check_scan, display_name
from tests import pdf_samples
from tests.conference_fixtures import today

pytestmark = pytest.mark.django_db

ACTIVE = "Die PDF-Datei enthält aktive Inhalte"


# --- the checks themselves -----------------------------------------------------------------------


def test_plain_scans_are_accepted_with_their_detected_type():
    assert check_scan(pdf_samples.PLAIN_PDF) is PDF
    assert check_scan(pdf_samples.png_bytes()) is PNG
    assert check_scan(pdf_samples.jpeg_bytes()) is JPEG


@pytest.mark.parametrize(
    "data",
    [
        pdf_samples.OPEN_ACTION_JS_PDF,
        pdf_samples.ESCAPED_JS_PDF,
        pdf_samples.LAUNCH_PDF,
        pdf_samples.EMBEDDED_FILE_PDF,
        pdf_samples.PAGE_ACTION_PDF,
        pdf_samples.object_stream_js_pdf(),
    ],
    ids=["open-action-js", "escaped-names", "launch", "embedded-file", "page-aa", "object-stream"],
)
def test_pdfs_with_active_content_are_refused(data):
    with pytest.raises(DomainError, match=ACTIVE):
        check_scan(data)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.4\n<html><script>alert(1)</script></html>", "Die PDF-Datei ist beschädigt oder kein gültiges PDF."),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "Das Bild ist beschädigt oder kein gültiges PNG-Bild."),
        (b"\xff\xd8\xff\xe0<html></html>", "Das Bild ist beschädigt oder kein gültiges JPEG-Bild."),
        (b"MZ\x90\x00 ein Programm", "Bitte eine PDF-, JPEG- oder PNG-Datei hochladen."),
        (
            pdf_samples.encrypted_pdf(),
            "Die PDF-Datei ist verschlüsselt. Bitte eine unverschlüsselte Fassung hochladen.",
        ),
    ],
)
def test_files_that_only_start_like_a_scan_are_refused(data, message):
    with pytest.raises(DomainError) as refused:
        check_scan(data)
    assert refused.value.message == message


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("Einwilligung\x00.pdf", "Einwilligung.pdf"),
        ("Rechnung\u202egnp.exe", "Rechnunggnp.exe"),
        ("a\u2066b\u2069c\u200b.png", "abc.png"),
        ("../../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system32\\evil.exe", "evil.exe"),
        ("zeile\r\numbruch\t.pdf", "zeile umbruch .pdf"),
        ("", ""),
    ],
)
def test_display_names_are_sanitised(name, shown):
    assert display_name(name) == shown


def test_display_names_are_bounded_and_keep_the_extension():
    shown = display_name("x" * 500 + ".pdf")
    assert len(shown) == 100
    assert shown.endswith("….pdf")


# --- the consent form ----------------------------------------------------------------------------


def _consent_post(case, document) -> dict:
    return {
        "given_by": "mutter",
        "given_on": (today() - timedelta(days=2)).isoformat(),
        "valid_until": (today() + timedelta(days=180)).isoformat(),
        "institutions": [case.owner_institution_id],
        "information": [InformationKind.HILFEKONFERENZ],
        "scope_note": "",
        "document": document,
    }


def _post(client, case, name: str, data: bytes, content_type: str = "application/octet-stream"):
    upload = SimpleUploadedFile(name, data, content_type=content_type)
    return client.post(reverse("consent_create", args=[case.pk]), _consent_post(case, upload), follow=True)


def test_png_named_exe_is_stored_and_served_as_png(client_for, coordinator, case_without_consent, media_root):
    case = case_without_consent
    png = pdf_samples.png_bytes()
    response = _post(client_for(coordinator), case, "programm.exe", png, "application/x-msdownload")
    assert "Die Datei „programm.exe“ ist als PNG gespeichert." in response.content.decode()
    consent = case.consents.get()
    assert consent.document.name.endswith(".png")
    assert "programm" not in consent.document.name
    download = client_for(coordinator).get(reverse("consent_document", args=[consent.pk]))
    assert download["Content-Type"] == "image/png"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["Content-Disposition"].endswith('.png"')
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == png


def test_pdf_named_png_is_stored_as_pdf(client_for, coordinator, case_without_consent, media_root):
    case = case_without_consent
    _post(client_for(coordinator), case, "foto.png", pdf_samples.PLAIN_PDF, "image/png")
    consent = case.consents.get()
    assert consent.document.name.endswith(".pdf")
    download = client_for(coordinator).get(reverse("consent_document", args=[consent.pk]))
    assert download["Content-Type"] == "application/pdf"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.4\n<html><body>kein PDF</body></html>", "Die PDF-Datei ist beschädigt oder kein gültiges PDF."),
        (pdf_samples.OPEN_ACTION_JS_PDF, ACTIVE),
        (pdf_samples.EMBEDDED_FILE_PDF, ACTIVE),
        (b"\x89PNG\r\n\x1a\n<html>kein Bild</html>", "Das Bild ist beschädigt oder kein gültiges PNG-Bild."),
    ],
    ids=["html-with-pdf-header", "open-action-js", "embedded-file", "html-with-png-header"],
)
def test_consent_scans_that_are_not_what_they_claim_are_refused(
    client_for, coordinator, case_without_consent, media_root, data, message
):
    case = case_without_consent
    response = _post(client_for(coordinator), case, "scan.pdf", data, "application/pdf")
    errors = response.context["form"].errors["document"]
    assert len(errors) == 1
    assert errors[0].startswith(message)
    assert not case.consents.exists()


@pytest.mark.parametrize(
    "name",
    [
        "../../../../etc/cron.d/evil.pdf",
        "..\\..\\..\\evil.pdf",
        "/etc/passwd",
        "Mutter\x00.png.pdf",
        "Mutter\u202efdp.exe",
    ],
)
def test_hostile_names_neither_escape_the_media_folder_nor_reach_the_stored_name(
    client_for, coordinator, case_without_consent, media_root, name
):
    case = case_without_consent
    _post(client_for(coordinator), case, name, pdf_samples.PLAIN_PDF)
    consent = case.consents.get()
    stored = Path(consent.document.path).resolve()
    assert stored.is_relative_to(Path(media_root).resolve() / "einwilligungen")
    assert stored.suffix == ".pdf"
    assert all(part not in consent.document.name for part in ("..", "\\", "\x00", "\u202e", "Mutter", "evil", "etc"))
