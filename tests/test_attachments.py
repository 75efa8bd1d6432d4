"""Anlagen: content checks (PDF, images, office documents), storage, download behind the permission check, removal."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from agreements.documents import ContractRenderer
from agreements.models import AgreementAttachment
from conferences.models import CaseAttachment, MeetingAttachment
from kooperation.core.attachments import check_attachment
from kooperation.core.errors import DomainError
from kooperation.core.office import DOCX, ODT, XLSX
from kooperation.core.uploads import PDF, PNG
from tests import office_samples, pdf_samples

pytestmark = pytest.mark.django_db


# --- content checks ----------------------------------------------------------------------------------


def test_office_documents_are_recognised_by_their_contents():
    assert check_attachment(office_samples.docx()) is DOCX
    assert check_attachment(office_samples.xlsx()) is XLSX
    assert check_attachment(office_samples.odt()) is ODT
    assert check_attachment(pdf_samples.PLAIN_PDF) is PDF
    assert check_attachment(pdf_samples.png_bytes()) is PNG


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (office_samples.plain_zip(), "kein gültiges DOCX"),
        (office_samples.odt(mimetype=b"application/x-unknown"), "kein gültiges DOCX"),
        (office_samples.docx(main_type="application/vnd.ms-word.document.macroEnabled.main+xml"), "Makros"),
        (office_samples.docx({"word/vbaProject.bin": b"\0" * 10}), "Makros"),
        (office_samples.odt({"Basic/Standard/Module1.xml": b"<script/>"}), "Makros"),
        (office_samples.bomb(), "stark gepackt"),
        (office_samples.entity_expansion_docx(), "kein gültiges DOCX"),
        (office_samples.docx()[:-30], "kein gültiges DOCX"),
        (b"MZ\x90\x00 a Windows program", "Bitte eine PDF-Datei, ein Bild"),
        (pdf_samples.OPEN_ACTION_JS_PDF, "aktive Inhalte"),
    ],
)
def test_refused_files_say_why_in_german(data, message):
    with pytest.raises(DomainError) as refused:
        check_attachment(data)
    assert message in refused.value.message


# --- agreement Anlagen -------------------------------------------------------------------------------


def _upload(client, url, name, data, **extra):
    return client.post(url, {"anlage-file": SimpleUploadedFile(name, data), "anlage-description": "Anhang", **extra})


def test_partner_uploads_and_downloads_an_office_document(client_for, member, agreement, media_root):
    client = client_for(member)
    url = reverse("agreement_attachments", args=[agreement.pk])
    response = _upload(client, url, "Vertrag alt.docx", office_samples.docx(), **{"anlage-in_contract": "on"})
    assert response.status_code == 302
    attachment = AgreementAttachment.objects.get()
    assert (attachment.name, attachment.extension, attachment.uploaded_by) == ("Vertrag alt.docx", "docx", member)
    assert attachment.in_contract
    assert attachment.file.name.startswith("anlagen/agreementattachment/")
    page = client.get(url).content.decode()
    assert "Vertrag alt.docx" in page
    assert member.get_full_name() in page
    download = client.get(reverse("attachment_file", args=[attachment.pk]))
    assert download["Content-Type"] == DOCX.content_type
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == office_samples.docx()


def test_the_type_comes_from_the_bytes_not_from_the_name(client_for, member, agreement, media_root):
    _upload(
        client_for(member), reverse("agreement_attachments", args=[agreement.pk]), "bild.docx", pdf_samples.png_bytes()
    )
    attachment = AgreementAttachment.objects.get()
    assert (attachment.name, attachment.extension) == ("bild.png", "png")


def test_a_refused_upload_shows_the_reason_at_the_field(client_for, member, agreement, media_root):
    response = _upload(
        client_for(member), reverse("agreement_attachments", args=[agreement.pk]), "x.docx", office_samples.plain_zip()
    )
    assert response.status_code == 200
    assert "kein gültiges DOCX" in response.context["form"].errors["file"][0]
    assert not AgreementAttachment.objects.exists()


def test_files_above_the_configured_size_are_refused(client_for, member, agreement, media_root, settings):
    settings.KOOPERATION_ATTACHMENT_MAX_MB = 1
    data = pdf_samples.PLAIN_PDF + b" " * (1024 * 1024)
    response = _upload(client_for(member), reverse("agreement_attachments", args=[agreement.pk]), "gross.pdf", data)
    assert response.context["form"].errors["file"] == ["Die Datei ist größer als 1 MB."]


def test_outsider_never_gets_the_file(client_for, member, outsider, agreement, media_root):
    _upload(client_for(member), reverse("agreement_attachments", args=[agreement.pk]), "a.pdf", pdf_samples.PLAIN_PDF)
    attachment = AgreementAttachment.objects.get()
    assert client_for(outsider).get(reverse("attachment_file", args=[attachment.pk])).status_code == 404


def test_removal_keeps_who_when_why_and_deletes_the_file(
    client_for, member, coordinator, agreement, media_root, django_capture_on_commit_callbacks
):
    _upload(client_for(member), reverse("agreement_attachments", args=[agreement.pk]), "a.pdf", pdf_samples.PLAIN_PDF)
    attachment = AgreementAttachment.objects.get()
    stored = media_root / attachment.file.name
    assert stored.exists()
    client = client_for(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("attachment_remove", args=[attachment.pk]), {"reason": "falsche Datei"})
    assert response.status_code == 302
    attachment.refresh_from_db()
    assert (attachment.removed_by, attachment.removal_reason) == (coordinator, "falsche Datei")
    assert not stored.exists()
    assert client.get(reverse("attachment_file", args=[attachment.pk])).status_code == 404
    assert "falsche Datei" in client.get(reverse("agreement_attachments", args=[agreement.pk])).content.decode()
    history = client.get(reverse("agreement_history", args=[agreement.pk])).content.decode()
    assert "Grund der Entfernung" in history


def test_removal_needs_a_reason(client_for, coordinator, agreement, media_root):
    client = client_for(coordinator)
    _upload(client, reverse("agreement_attachments", args=[agreement.pk]), "a.pdf", pdf_samples.PLAIN_PDF)
    attachment = AgreementAttachment.objects.get()
    response = client.post(reverse("attachment_remove", args=[attachment.pk]), {"reason": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]


def test_the_contract_lists_the_chosen_anlagen(client_for, member, agreement, media_root):
    client = client_for(member)
    url = reverse("agreement_attachments", args=[agreement.pk])
    _upload(client, url, "Ablaufplan.pdf", pdf_samples.PLAIN_PDF, **{"anlage-in_contract": "on"})
    _upload(client, url, "Notizen.pdf", pdf_samples.PLAIN_PDF)
    context = ContractRenderer(agreement, draft=True).get_context()
    assert context["anlagen"] == [{"name": "Ablaufplan.pdf", "description": "Anhang"}]


@pytest.mark.parametrize("count", [1, 4])
def test_attachment_list_queries_stay_fixed(
    client_for, member, agreement, media_root, count, django_assert_num_queries
):
    client = client_for(member)
    url = reverse("agreement_attachments", args=[agreement.pk])
    for i in range(count):
        _upload(client, url, f"a{i}.pdf", pdf_samples.PLAIN_PDF)
    with django_assert_num_queries(6):
        assert client.get(url).status_code == 200


# --- meetings and cases ------------------------------------------------------------------------------


def test_meeting_attachment_upload_and_download(client_for, member, outsider, meeting, media_root):
    client = client_for(member)
    response = _upload(client, reverse("meeting_attachments", args=[meeting.pk]), "Folien.xlsx", office_samples.xlsx())
    assert response.status_code == 302
    attachment = MeetingAttachment.objects.get()
    download = client.get(reverse("meeting_attachment_file", args=[attachment.pk]))
    assert download["Content-Type"] == XLSX.content_type
    assert client_for(outsider).get(reverse("meeting_attachment_file", args=[attachment.pk])).status_code == 404


@pytest.mark.parametrize("count", [1, 4])
def test_meeting_attachment_list_queries_stay_fixed(
    client_for, member, meeting, media_root, count, django_assert_num_queries
):
    client = client_for(member)
    url = reverse("meeting_attachments", args=[meeting.pk])
    for i in range(count):
        _upload(client, url, f"a{i}.pdf", pdf_samples.PLAIN_PDF)
    with django_assert_num_queries(6):
        assert client.get(url).status_code == 200


def test_case_attachment_is_case_data(client_for, caseworker, colleague, help_case, media_root):
    client = client_for(caseworker)
    url = reverse("case_attachments", args=[help_case.pk])
    response = _upload(client, url, "Einwilligung Familie M.pdf", pdf_samples.PLAIN_PDF)
    assert response.status_code == 302
    attachment = CaseAttachment.objects.get()
    download = client.get(reverse("case_attachment_file", args=[attachment.pk]))
    assert download.status_code == 200
    assert "no-store" in download["Cache-Control"]
    assert "no-store" in client.get(url)["Cache-Control"]
    reads = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, additional_data__case_id=help_case.pk)
    assert reads.filter(additional_data__read="Anlage des Falls (Datei)", actor=caseworker).exists()
    # The file name may carry social data: the log names the Anlage by number only.
    assert not LogEntry.objects.filter(object_repr__contains="Familie").exists()
    assert client_for(colleague).get(reverse("case_attachment_file", args=[attachment.pk])).status_code == 404


@pytest.mark.parametrize("count", [1, 4])
def test_case_attachment_list_queries_stay_fixed(
    client_for, caseworker, help_case, media_root, count, django_assert_num_queries
):
    client = client_for(caseworker)
    url = reverse("case_attachments", args=[help_case.pk])
    for i in range(count):
        _upload(client, url, f"a{i}.pdf", pdf_samples.PLAIN_PDF)
    with django_assert_num_queries(10):
        assert client.get(url).status_code == 200
