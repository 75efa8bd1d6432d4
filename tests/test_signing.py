"""Release for signing, the frozen contract, signatures, entry into force, amendments, review and end."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime, timedelta
from io import BytesIO

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from agreements import permissions as agreement_perms
from agreements.documents import ContractRenderer
from agreements.models import (
    Agreement,
    BoardMember,
    Criterion,
    FlowPlan,
    FrozenContract,
    Goal,
    Signature,
    SignatureMethod,
    Status,
    StatusChange,
    Subgroup,
)
from agreements.services import lifecycle, signing, validity
from agreements.services.contract import ensure_contract
from kooperation.core.concurrency import claim_version
from kooperation.core.dates import add_months
from kooperation.core.errors import DomainError
from tests import signing_data as sd
from tests.pdf_samples import OPEN_ACTION_JS_PDF, png_bytes

pytestmark = pytest.mark.django_db

ONLY_LEITUNG = "Für „Jugendamt Teststadt“ unterzeichnet nur deren Leitung."
NOT_THE_CONTRACT = "Das signierte PDF enthält nicht den eingefrorenen Vertrag dieser Revision"
NOT_INTACT = "Eine Signatur ist nicht intakt: Das PDF wurde nach dem Signieren verändert"
CHANGED_AFTER = "Das PDF wurde nach dem Signieren verändert: Ein späterer Nachtrag ändert den Inhalt"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def parties(institution, partner_institution, coordinator, leader_user):
    """Jugendamt (coordinating; its Koordination, its Leitung Lea) and the Klinikum with their own people."""
    return [
        sd.party(institution, koordination=coordinator, leitung=leader_user, leader_name="Dr. Lea Lange"),
        sd.party(partner_institution, leader_name="Prof. Dr. Martin Weiß"),
    ]


@pytest.fixture
def approved(parties):
    return sd.approved(parties)


@pytest.fixture
def frozen(approved, coordinator):
    sd.release(approved, coordinator)
    return Agreement.objects.get(pk=approved.pk)


def refused(message: str):
    """Expect a DomainError whose German message contains `message` literally."""
    return pytest.raises(DomainError, match=re.escape(message))


def _reload(agreement: Agreement) -> Agreement:
    return Agreement.objects.get(pk=agreement.pk)


def _transition(client, agreement: Agreement, name: str, **data):
    return client.post(reverse("agreement_transition", args=[agreement.pk, name]), data, follow=True)


def _content(response) -> str:
    return response.content.decode()


# Release for signing --------------------------------------------------------------------------------------------


def test_release_is_refused_until_every_partner_approved(client_for, coordinator, parties):
    agreement = sd.in_approval(sd.new_agreement(parties), parties)
    sd.approve(agreement, parties[:1])
    decision = lifecycle.check(coordinator, _reload(agreement), "release_for_signing")
    assert not decision
    assert decision.reason == "Die Zustimmung von „Klinikum Teststadt“ steht noch aus."

    response = _transition(client_for(coordinator), agreement, "release_for_signing")
    assert "Die Zustimmung von „Klinikum Teststadt“ steht noch aus." in _content(response)
    assert _reload(agreement).status == Status.IN_ABSTIMMUNG
    assert not FrozenContract.objects.filter(agreement=agreement).exists()


def test_release_is_refused_for_a_member(member, approved):
    with refused("Diesen Schritt geht nur die Koordination einer Partnerinstitution."):
        lifecycle.perform(member, approved, "release_for_signing")


def test_contract_is_rendered_only_after_the_release_commits(coordinator, approved, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        lifecycle.perform(coordinator, approved, "release_for_signing")
    assert not FrozenContract.objects.filter(agreement=approved).exists()
    for callback in callbacks:
        callback()
    contract = FrozenContract.objects.get(agreement=approved)
    assert contract.sha256 == hashlib.sha256(sd.stored_bytes(approved)).hexdigest()


def test_release_freezes_the_revision_and_renders_the_contract_once(
    client_for, coordinator, approved, monkeypatch, django_capture_on_commit_callbacks
):
    renders = []
    original = ContractRenderer.render

    def counting(self):
        renders.append(self.draft)
        return original(self)

    monkeypatch.setattr(ContractRenderer, "render", counting)
    with django_capture_on_commit_callbacks(execute=True):
        response = _transition(client_for(coordinator), approved, "release_for_signing")
    assert "Die Vereinbarung hat jetzt den Status „Zur Unterzeichnung“." in _content(response)
    agreement = _reload(approved)
    assert agreement.status == Status.ZUR_UNTERZEICHNUNG
    assert agreement.stand == timezone.localdate()
    contract = FrozenContract.objects.get(agreement=agreement)
    assert renders == [False]

    # Later calls return the stored contract; nothing is rendered again.
    assert ensure_contract(agreement.pk).pk == contract.pk
    client = client_for(coordinator)
    client.get(reverse("contract_download", args=[agreement.pk]))
    client.get(reverse("agreement_signatures", args=[agreement.pk]))
    assert renders == [False]
    assert StatusChange.objects.filter(agreement=agreement, transition="release_for_signing", by=coordinator).exists()

    # The text is frozen: Koordination can no longer edit it.
    response = client.get(reverse("agreement_edit", args=[agreement.pk]))
    assert response.status_code == 403
    assert "„Zur Unterzeichnung“ und kann nicht mehr bearbeitet werden" in _content(response)


def test_release_asks_every_partners_leitung_to_sign(
    client_for, coordinator, parties, approved, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _transition(client_for(coordinator), approved, "release_for_signing")
    mails = [m for m in mailoutbox if m.subject == "Eine Kooperationsvereinbarung liegt zur Unterzeichnung vor"]
    assert sorted(m.to[0] for m in mails) == sorted(p.leitung.email for p in parties)
    assert reverse("agreement_signatures", args=[approved.pk]) in mails[0].body


def test_downloads_return_the_identical_stored_bytes(client_for, coordinator, member, frozen):
    stored = sd.stored_bytes(frozen)
    contract = FrozenContract.objects.get(agreement=frozen)
    url = reverse("contract_download", args=[frozen.pk])
    first = client_for(coordinator).get(url)
    assert first["Content-Type"] == "application/pdf"
    assert 'filename="Kooperationsvereinbarung-' in first["Content-Disposition"]
    first_bytes = b"".join(first.streaming_content)
    second_bytes = b"".join(client_for(member).get(url).streaming_content)
    assert first_bytes == second_bytes == stored
    assert hashlib.sha256(first_bytes).hexdigest() == contract.sha256
    assert contract.size == len(stored)

    # Even if rows of the frozen revision change behind its back, the contract stays the stored one.
    Criterion.objects.filter(agreement=frozen).update(text="nachträglich geändert")
    assert b"".join(client_for(coordinator).get(url).streaming_content) == stored


def test_signatures_page_shows_sha256_fingerprint_and_what_is_outstanding(client_for, member, frozen):
    contract = FrozenContract.objects.get(agreement=frozen)
    page = _content(client_for(member).get(reverse("agreement_signatures", args=[frozen.pk])))
    assert contract.sha256 in page
    assert len(contract.sha256) == 64
    assert contract.fingerprint in page
    assert page.count("steht noch aus") == 2
    assert reverse("contract_download", args=[frozen.pk]) in page
    assert "Unterschrift erfassen" not in page  # a Mitglied never gets the form


def test_preview_is_available_at_any_time_and_marked_as_draft(client_for, member, agreement, frozen):
    for subject in (agreement, frozen):
        response = client_for(member).get(reverse("contract_preview", args=[subject.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert "-Entwurf.pdf" in response["Content-Disposition"]
        assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_repeated_previews_come_from_the_shared_cache_until_something_changes(
    client_for, member, agreement, settings, tmp_path, monkeypatch
):
    """The second preview is not rendered again; an edit (version) or a changed partner name renders anew."""
    settings.CACHES = {
        **settings.CACHES,
        "documents": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "documents"),
        },
    }
    rendered = []
    write_pdf = ContractRenderer.write_pdf

    def counting_write_pdf(self, html):
        rendered.append(html)
        return write_pdf(self, html)

    monkeypatch.setattr(ContractRenderer, "write_pdf", counting_write_pdf)
    client = client_for(member)
    url = reverse("contract_preview", args=[agreement.pk])

    def preview() -> bytes:
        response = client.get(url)
        assert response.status_code == 200
        assert "-Entwurf.pdf" in response["Content-Disposition"]
        return b"".join(response.streaming_content)

    first = preview()
    assert first.startswith(b"%PDF-")
    assert preview() == first
    assert len(rendered) == 1
    # On disk, so another gunicorn worker (a second cache object on the same folder) finds it as well.
    assert any((tmp_path / "documents").iterdir())

    # An edit through a form bumps the agreement's version: a new key, rendered again, the new title inside.
    Agreement.objects.filter(pk=agreement.pk).update(title="Kooperation Frühe Hilfen, überarbeitet")
    claim_version(agreement, agreement.version)
    preview()
    assert len(rendered) == 2
    assert "Kooperation Frühe Hilfen, überarbeitet" in rendered[-1]
    preview()
    assert len(rendered) == 2

    # A change the contract shows without touching the agreement's version: the HTML (and so the key) differs.
    partner = agreement.partners.exclude(institution=agreement.coordinating_institution).first().institution
    partner.name = "Klinikum Teststadt (neuer Name)"
    partner.save()
    preview()
    assert len(rendered) == 3
    assert "Klinikum Teststadt (neuer Name)" in rendered[-1]


def test_download_of_a_revision_not_frozen_is_404(client_for, coordinator, approved):
    assert client_for(coordinator).get(reverse("contract_download", args=[approved.pk])).status_code == 404


# Who may sign ----------------------------------------------------------------------------------------------------


def test_only_the_partners_own_leitung_may_sign_for_it(coordinator, member, leader_user, parties, frozen, institution):
    assert agreement_perms.can_sign(leader_user, frozen, institution)
    for user in (coordinator, member, parties[1].leitung):
        decision = agreement_perms.can_sign(user, frozen, institution)
        assert not decision
        assert decision.reason == ONLY_LEITUNG


@pytest.mark.parametrize("who", ["coordinator", "member", "other_leitung"])
def test_signing_for_another_partner_is_403_with_the_reason(request, client_for, parties, frozen, institution, who):
    user = parties[1].leitung if who == "other_leitung" else request.getfixturevalue(who)
    response = client_for(user).post(
        reverse("agreement_signatures", args=[frozen.pk]),
        {"institution": institution.pk, "signed_on": timezone.localdate().isoformat(), "place": "Teststadt"}
        | {"method": SignatureMethod.IN_APP},
    )
    assert response.status_code == 403
    assert response.context["exception"] == ONLY_LEITUNG
    assert not Signature.objects.filter(agreement=frozen).exists()


def test_signing_is_404_for_an_outsider(client_for, outsider, frozen, institution):
    response = client_for(outsider).post(
        reverse("agreement_signatures", args=[frozen.pk]), {"institution": institution.pk}
    )
    assert response.status_code == 404


def test_nobody_signs_before_the_release(leader_user, approved, institution):
    decision = agreement_perms.can_sign(leader_user, approved, institution)
    assert not decision
    assert "solange die Vereinbarung „Zur Unterzeichnung“ vorliegt (jetzt: In Abstimmung)" in decision.reason


# Recording signatures --------------------------------------------------------------------------------------------


def _sign_form(client, agreement, institution, method=SignatureMethod.IN_APP, upload=None, **extra):
    data = {
        "institution": institution.pk,
        "signed_on": timezone.localdate().isoformat(),
        "place": "Teststadt",
        "method": method,
        **extra,
    }
    if upload is not None:
        data["file"] = upload
    return client.post(reverse("agreement_signatures", args=[agreement.pk]), data, follow=True)


def test_leitung_records_its_signature_in_the_app(client_for, leader_user, frozen, institution):
    response = _sign_form(client_for(leader_user), frozen, institution)
    page = _content(response)
    assert "Die Unterschrift für „Jugendamt Teststadt“ ist erfasst." in page
    today = timezone.localdate().strftime("%d.%m.%Y")
    assert f"Dr. Lea Lange, Geschäftsführung – unterzeichnet am {today} in Teststadt" in page
    assert "in der Anwendung bestätigt (Papier unterschrieben)" in page
    assert page.count("steht noch aus") == 1
    signature = Signature.objects.get(agreement=frozen, institution=institution)
    assert (signature.method, signature.recorded_by, signature.leader.name) == ("app", leader_user, "Dr. Lea Lange")
    assert "Unterschrift erfassen" not in page  # the Jugendamt has signed; nothing left for Lea
    assert _reload(frozen).status == Status.ZUR_UNTERZEICHNUNG


def test_a_partner_signs_only_once(leader_user, frozen, institution, parties):
    sd.sign(frozen, parties[0])
    with refused("Für „Jugendamt Teststadt“ ist bereits eine Unterschrift erfasst."):
        sd.sign(frozen, parties[0])


def test_a_signature_date_in_the_future_is_refused(client_for, leader_user, frozen, institution):
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = _sign_form(client_for(leader_user), frozen, institution, signed_on=tomorrow.isoformat())
    assert "Das Datum der Unterschrift darf nicht in der Zukunft liegen." in _content(response)
    assert not Signature.objects.exists()


PNG = png_bytes()


def test_a_scanned_signature_page_is_stored_and_served(client_for, leader_user, member, frozen, institution):
    upload = SimpleUploadedFile("seite.png", PNG, content_type="image/png")
    page = _content(_sign_form(client_for(leader_user), frozen, institution, SignatureMethod.SCAN, upload))
    assert "mit eingescannter unterschriebener Seite" in page
    signature = Signature.objects.get(agreement=frozen)
    assert signature.file.name.endswith(".png")
    assert signature.file_sha256 == hashlib.sha256(PNG).hexdigest()
    served = client_for(member).get(reverse("signature_file", args=[signature.pk]))
    assert b"".join(served.streaming_content) == PNG


@pytest.mark.parametrize(
    ("name", "content"),
    [("seite.txt", b"nur Text, keine Unterschrift"), ("seite.png", b"<html>kein Bild</html>")],
)
def test_a_scan_must_be_a_pdf_png_or_jpeg(client_for, leader_user, frozen, institution, name, content):
    upload = SimpleUploadedFile(name, content)
    page = _content(_sign_form(client_for(leader_user), frozen, institution, SignatureMethod.SCAN, upload))
    assert "Bitte die unterschriebene Seite als PDF, PNG oder JPEG hochladen." in page
    assert not Signature.objects.exists()


def test_a_scan_needs_a_file(client_for, leader_user, frozen, institution):
    page = _content(_sign_form(client_for(leader_user), frozen, institution, SignatureMethod.SCAN))
    assert "Bitte die unterschriebene Datei hochladen." in page
    assert not Signature.objects.exists()


# Digitally signed PDFs (pyHanko) ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pdf_signer():
    """A signer with a fresh self-signed certificate (no trust chain, as with many real providers)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "Dr. Lea Lange"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Jugendamt Teststadt"),
        ]
    )
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER)),
        signing_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        ),
        cert_registry=SimpleCertificateStore(),
    )


def _sign_pdf(data: bytes, signer) -> bytes:
    output = BytesIO()
    signers.sign_pdf(
        IncrementalPdfFileWriter(BytesIO(data)),
        signers.PdfSignatureMetadata(field_name="Unterschrift", reason="Unterzeichnung", location="Teststadt"),
        signer=signer,
        output=output,
    )
    return output.getvalue()


def _upload(data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("vertrag-signiert.pdf", data, content_type="application/pdf")


def _record_digital(parties, agreement, data: bytes):
    return signing.record_signature(
        parties[0].leitung,
        _reload(agreement),
        parties[0].institution,
        signed_on=timezone.localdate(),
        place="Teststadt",
        method=SignatureMethod.DIGITAL,
        upload=_upload(data),
    )


def test_a_correctly_signed_contract_is_accepted(client_for, leader_user, frozen, institution, pdf_signer):
    contract = FrozenContract.objects.get(agreement=frozen)
    signed = _sign_pdf(sd.stored_bytes(frozen), pdf_signer)
    page = _content(_sign_form(client_for(leader_user), frozen, institution, SignatureMethod.DIGITAL, _upload(signed)))
    assert "Die Unterschrift für „Jugendamt Teststadt“ ist erfasst." in page
    signature = Signature.objects.get(agreement=frozen)
    assert signature.method == SignatureMethod.DIGITAL
    assert "Dr. Lea Lange intakt und gültig; Zertifikat ohne geprüfte Vertrauenskette." in signature.verification
    assert f"Die ursprüngliche Fassung ist der eingefrorene Vertrag (SHA-256 {contract.sha256})." in (
        signature.verification
    )
    assert signature.verification in page
    assert signature.file_sha256 == hashlib.sha256(signed).hexdigest()


def test_a_signed_different_pdf_is_rejected(client_for, leader_user, frozen, institution, pdf_signer):
    # Another rendering of the same text (the draft) is a different PDF than the frozen contract.
    _name, _mime, draft = ContractRenderer(frozen, draft=True).render()
    signed = _sign_pdf(draft, pdf_signer)
    page = _content(_sign_form(client_for(leader_user), frozen, institution, SignatureMethod.DIGITAL, _upload(signed)))
    assert NOT_THE_CONTRACT in page
    assert "der Prüfwert SHA-256 der ursprünglichen Fassung stimmt nicht überein" in page
    assert not Signature.objects.exists()


def test_a_signed_contract_tampered_inside_the_signed_range_is_rejected(parties, frozen, pdf_signer):
    original = sd.stored_bytes(frozen)
    signed = _sign_pdf(original, pdf_signer)
    # The signature dictionary (after the original, inside the signed byte range) says "Unterzeichnung".
    at = signed.index(b"(Unterzeichnung)", len(original))
    tampered = signed[: at + 1] + b"V" + signed[at + 2 :]
    assert tampered[: len(original)] == original
    with refused(NOT_INTACT):
        _record_digital(parties, frozen, tampered)
    assert not Signature.objects.exists()


def test_a_contract_changed_in_a_later_unsigned_update_is_rejected(parties, frozen, pdf_signer):
    signed = _sign_pdf(sd.stored_bytes(frozen), pdf_signer)
    writer = IncrementalPdfFileWriter(BytesIO(signed))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    page["/Contents"] = writer.add_object(generic.StreamObject(stream_data=b"BT /F1 24 Tf 72 700 Td (anders) Tj ET"))
    writer.update_container(page)
    changed = BytesIO()
    writer.write(changed)
    with refused(CHANGED_AFTER):
        _record_digital(parties, frozen, changed.getvalue())


def test_an_unsigned_or_foreign_file_is_rejected_in_german(parties, frozen):
    original = sd.stored_bytes(frozen)
    with refused("Die Datei ist kein PDF."):
        _record_digital(parties, frozen, PNG)
    with refused(NOT_THE_CONTRACT):
        _record_digital(parties, frozen, original)  # the contract itself, not signed
    writer = IncrementalPdfFileWriter(BytesIO(original))
    writer.root["/Lang"] = generic.TextStringObject("en")
    writer.update_root()
    appended = BytesIO()
    writer.write(appended)
    with refused("Das PDF enthält keine digitale Signatur."):
        _record_digital(parties, frozen, appended.getvalue())


# In Kraft ---------------------------------------------------------------------------------------------------------


def test_the_last_signature_puts_the_agreement_in_force(
    client_for, coordinator, parties, frozen, mailoutbox, django_capture_on_commit_callbacks
):
    sd.sign(frozen, parties[0])
    assert _reload(frozen).status == Status.ZUR_UNTERZEICHNUNG
    with django_capture_on_commit_callbacks(execute=True):
        sd.sign(frozen, parties[1])
    agreement = _reload(frozen)
    # Signed before its start date: "Unterzeichnet – gültig ab", until the daily job puts it in force.
    assert agreement.status == Status.UNTERZEICHNET
    assert agreement.status_label == "Unterzeichnet – gültig ab 01.01.2027"
    assert "Unterzeichnet – gültig ab 01.01.2027" in _content(
        client_for(coordinator).get(reverse("agreement_detail", args=[agreement.pk]))
    )
    assert StatusChange.objects.filter(agreement=agreement, transition="signed").exists()
    assert validity.daily(today=date(2026, 12, 31))["in_force"] == 0
    assert validity.daily(today=date(2027, 1, 1))["in_force"] == 1
    agreement = _reload(frozen)
    assert agreement.status == Status.IN_KRAFT
    # Laufzeit: 36 months from 01.01.2027; review every 12 months.
    assert agreement.in_force_from == date(2027, 1, 1)
    assert agreement.in_force_until == date(2029, 12, 31)
    assert agreement.review_due_on == date(2028, 1, 1)
    assert StatusChange.objects.filter(agreement=agreement, transition="enter_into_force").exists()
    mails = [m for m in mailoutbox if m.subject == "Eine Kooperationsvereinbarung ist unterzeichnet"]
    assert sorted(m.to[0] for m in mails) == sorted(p.koordination.email for p in parties)

    page = _content(client_for(coordinator).get(reverse("agreement_detail", args=[agreement.pk])))
    assert "In Kraft ab 01.01.2027 bis 31.12.2029 · nächste Überprüfung 01.01.2028" in page
    signatures = _content(client_for(coordinator).get(reverse("agreement_signatures", args=[agreement.pk])))
    assert "steht noch aus" not in signatures


def test_term_end_and_review_follow_from_laufzeit_and_interval(parties, frozen):
    frozen.term.valid_from = date(2027, 1, 31)
    frozen.term.duration_months = 13
    frozen.term.review_interval_months = 1
    frozen.term.save()
    sd.sign_all(frozen, parties)
    agreement = _reload(frozen)
    assert (agreement.in_force_from, agreement.in_force_until, agreement.review_due_on) == (
        date(2027, 1, 31),
        date(2028, 2, 28),
        date(2027, 2, 28),
    )


# Amendments -------------------------------------------------------------------------------------------------------


@pytest.fixture
def in_force(parties, frozen):
    return sd.take_effect(sd.sign_all(frozen, parties))


def test_amendment_copies_text_and_structure_and_the_old_revision_stays_in_force(client_for, coordinator, in_force):
    response = client_for(coordinator).post(reverse("agreement_amend", args=[in_force.pk]), follow=True)
    amendment = Agreement.objects.get(predecessor=in_force)
    assert "ist angelegt; die geltende Fassung bleibt in Kraft, bis die Änderung unterzeichnet ist." in _content(
        response
    )
    assert response.redirect_chain[-1][0] == reverse("agreement_guide", args=[amendment.pk])
    assert (amendment.revision, amendment.status, amendment.series_root_id) == (1, Status.IN_ERARBEITUNG, in_force.pk)
    assert amendment.preamble == in_force.preamble
    for related in ("criteria", "flow_plans", "responsibilities", "target_groups", "sharing_rules"):
        old = [row.pk for row in getattr(in_force, related).all()]
        new = [row.pk for row in getattr(amendment, related).all()]
        assert len(new) == len(old) > 0, related
        assert not set(new) & set(old), related
    assert list(Criterion.objects.filter(agreement=amendment).values_list("text", flat=True)) == list(
        Criterion.objects.filter(agreement=in_force).values_list("text", flat=True)
    )
    assert Goal.objects.get(agreement=amendment).indicators.count() == 1
    assert amendment.term.valid_from == in_force.term.valid_from
    assert (
        BoardMember.objects.filter(agreement=amendment).count()
        == BoardMember.objects.filter(agreement=in_force).count()
    )
    assert Subgroup.objects.filter(agreement=amendment).count() == 2
    assert _reload(in_force).status == Status.IN_KRAFT


def test_amendment_is_refused_for_a_member_and_twice(client_for, member, coordinator, in_force):
    response = client_for(member).post(reverse("agreement_amend", args=[in_force.pk]), follow=True)
    assert "Eine Änderung beginnt die Koordination einer Partnerinstitution." in _content(response)
    assert not Agreement.objects.filter(predecessor=in_force).exists()
    validity.start_amendment(coordinator, in_force)
    with refused("Für diese Revision wurde bereits eine Änderung begonnen."):
        validity.start_amendment(coordinator, _reload(in_force))


def test_amendment_before_entry_into_force_is_refused(coordinator, frozen):
    with refused("Eine Änderung beginnt an einer Vereinbarung, die in Kraft ist."):
        validity.start_amendment(coordinator, frozen)


def test_signed_amendment_replaces_the_revision_in_force(client_for, member, coordinator, parties, in_force):
    amendment = validity.start_amendment(coordinator, in_force)
    amendment.preamble = "Mit dieser Änderung kommen die Familienhebammen hinzu."
    amendment.save(update_fields=["preamble"])
    plan = FlowPlan.objects.filter(agreement=amendment).first()
    plan.recommendation = "Die Familienhebamme lädt zur Hilfekonferenz ein."
    plan.save()
    lifecycle.perform(coordinator, amendment, "start_approval")
    sd.approve(amendment, parties)
    sd.release(_reload(amendment), coordinator)
    assert _reload(in_force).status == Status.IN_KRAFT  # until the amendment is signed

    sd.sign_all(amendment, parties)
    assert _reload(in_force).status == Status.IN_KRAFT  # signed, but valid only from its start date
    new, old = sd.take_effect(amendment), _reload(in_force)
    assert new.status == Status.IN_KRAFT
    assert old.status == Status.BEENDET
    assert old.end_reason == f"Ersetzt durch {new.revision_label}."
    assert old.end_reason.startswith("Ersetzt durch Revision 001/")
    # The amendment came into force on its start date: the old one ended the day before.
    assert old.ended_on == new.in_force_from - timedelta(days=1)

    client = client_for(member)
    revisions = _content(client.get(reverse("agreement_revisions", args=[new.pk])))
    for revision in (old, new):
        contract = FrozenContract.objects.get(agreement=revision)
        assert revision.revision_label in revisions
        assert f"Fingerabdruck {contract.fingerprint}" in revisions
        assert reverse("contract_download", args=[revision.pk]) in revisions
    assert ">Beendet<" in revisions
    assert ">In Kraft<" in revisions
    old_contract = FrozenContract.objects.get(agreement=old)
    new_contract = FrozenContract.objects.get(agreement=new)
    assert old_contract.fingerprint != new_contract.fingerprint

    compare = client.get(reverse("agreement_compare", args=[new.pk]), {"a": old.pk, "b": new.pk})
    assert compare.status_code == 200
    page = _content(compare)
    assert "Mit dieser Änderung kommen die Familienhebammen hinzu." in page
    assert "Die Familienhebamme lädt zur Hilfekonferenz ein." in page
    assert page.count('text-bg-warning">geändert</span>') == 2  # Präambel and Ablaufpläne


# Review and end -------------------------------------------------------------------------------------------------


def test_daily_command_marks_reviews_due_and_emails_the_board(
    parties, in_force, mailoutbox, capsys, django_capture_on_commit_callbacks
):
    Agreement.objects.filter(pk=in_force.pk).update(review_due_on=timezone.localdate() - timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("agreements_daily")
    assert "Überprüfung fällig: 1, beendet (Laufzeit abgelaufen): 0" in capsys.readouterr().out
    agreement = _reload(in_force)
    assert agreement.status == Status.UEBERPRUEFUNG_FAELLIG
    change = StatusChange.objects.get(agreement=agreement, transition="review_due")
    assert change.by is None
    mails = [m for m in mailoutbox if m.subject == "Die Überprüfung einer Kooperationsvereinbarung ist fällig"]
    assert sorted(m.to[0] for m in mails) == sorted(p.koordination.email for p in parties)

    # A second run changes nothing and sends nothing.
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("agreements_daily")
    assert mailoutbox == []


def test_daily_command_ends_expired_terms(in_force):
    Agreement.objects.filter(pk=in_force.pk).update(in_force_until=timezone.localdate() - timedelta(days=2))
    call_command("agreements_daily")
    agreement = _reload(in_force)
    assert agreement.status == Status.BEENDET
    assert agreement.end_reason == "Die Laufzeit ist abgelaufen."
    assert agreement.ended_on == timezone.localdate() - timedelta(days=2)


def test_daily_reminders_go_to_outstanding_leitung_at_most_weekly(
    parties, frozen, mailoutbox, django_capture_on_commit_callbacks
):
    sd.sign(frozen, parties[0])
    subject = "Erinnerung: Ihre Unterschrift fehlt noch"
    with django_capture_on_commit_callbacks(execute=True):
        assert validity.daily()["reminded"] == 1
    assert [m.to for m in mailoutbox if m.subject == subject] == [[parties[1].leitung.email]]

    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert validity.daily()["reminded"] == 0
    assert mailoutbox == []

    Agreement.objects.filter(pk=frozen.pk).update(signature_reminded_at=timezone.now() - timedelta(days=8))
    with django_capture_on_commit_callbacks(execute=True):
        assert validity.daily()["reminded"] == 1
    assert [m.to for m in mailoutbox if m.subject == subject] == [[parties[1].leitung.email]]


@pytest.fixture
def review_due(in_force):
    Agreement.objects.filter(pk=in_force.pk).update(review_due_on=timezone.localdate())
    validity.daily()
    agreement = _reload(in_force)
    assert agreement.status == Status.UEBERPRUEFUNG_FAELLIG
    return agreement


def test_completing_the_review_keeps_it_in_force_with_the_next_review_date(client_for, coordinator, review_due):
    response = _transition(client_for(coordinator), review_due, "complete_review")
    assert "Die Vereinbarung hat jetzt den Status „In Kraft“." in _content(response)
    agreement = _reload(review_due)
    assert agreement.status == Status.IN_KRAFT
    assert agreement.review_due_on == add_months(timezone.localdate(), 12)


def test_a_due_review_may_start_an_amendment_instead(coordinator, review_due):
    amendment = validity.start_amendment(coordinator, review_due)
    assert amendment.status == Status.IN_ERARBEITUNG
    assert _reload(review_due).status == Status.UEBERPRUEFUNG_FAELLIG


def test_completing_the_review_is_refused_for_a_member(member, review_due):
    with refused("Diesen Schritt geht nur die Koordination einer Partnerinstitution."):
        lifecycle.perform(member, review_due, "complete_review")


def test_ending_needs_a_reason(client_for, coordinator, in_force):
    in_force.term.notice_period_months = None  # without a Kündigungsfrist it may end at once
    in_force.term.save()
    response = _transition(client_for(coordinator), in_force, "end", comment="   ")
    assert "Bitte geben Sie eine Begründung an." in _content(response)
    assert _reload(in_force).status == Status.IN_KRAFT

    response = _transition(client_for(coordinator), in_force, "end", comment="Das Projekt wurde eingestellt.")
    assert "Die Vereinbarung hat jetzt den Status „Beendet“." in _content(response)
    agreement = _reload(in_force)
    assert agreement.status == Status.BEENDET
    assert agreement.end_reason == "Das Projekt wurde eingestellt."
    assert agreement.ended_on == timezone.localdate()
    change = StatusChange.objects.get(agreement=agreement, transition="end")
    assert (change.by, change.comment) == (coordinator, "Das Projekt wurde eingestellt.")
    assert "Das Projekt wurde eingestellt." in _content(
        client_for(coordinator).get(reverse("agreement_detail", args=[agreement.pk]))
    )


# Query counts ---------------------------------------------------------------------------------------------------


def _frozen_with(count: int, signed: int) -> tuple[Agreement, list[sd.Party]]:
    parties = [sd.party(i) for i in sd.institutions(count, prefix=f"Träger{count}")]
    agreement = sd.approved(parties)
    sd.release(agreement, parties[0].koordination)
    for p in parties[:signed]:
        sd.sign(agreement, p)
    return _reload(agreement), parties


SIGNATURES_QUERIES = 9
REVISIONS_QUERIES = 6


@pytest.mark.parametrize(("count", "signed"), [(2, 1), (6, 4)])
def test_signatures_page_queries_do_not_grow(client, django_assert_num_queries, count, signed):
    agreement, parties = _frozen_with(count, signed)
    outstanding = parties[-1].leitung  # sees the form for its institution
    client.force_login(outstanding)
    url = reverse("agreement_signatures", args=[agreement.pk])
    client.get(url)
    with django_assert_num_queries(SIGNATURES_QUERIES):
        response = client.get(url)
    assert response.context["form"] is not None
    assert _content(response).count("steht noch aus") == count - signed


def _revisions(count: int, coordinator, agreement: Agreement) -> Agreement:
    """`count` revisions of one series, each frozen with a stored contract."""
    current = agreement
    for n in range(count):
        Agreement.objects.filter(pk=current.pk).update(status=Status.IN_KRAFT)
        contract = FrozenContract(agreement=current, sha256="0" * 64, fingerprint=f"AAAA-BBBB-{n:04d}", pages=1, size=9)
        contract.file.save(f"rev{n}.pdf", ContentFile(b"%PDF-1.7\n"), save=True)
        if n < count - 1:
            current = validity.start_amendment(coordinator, _reload(current))
    return _reload(current)


@pytest.mark.parametrize("count", [1, 4])
def test_revisions_page_queries_do_not_grow(client_for, coordinator, agreement, django_assert_num_queries, count):
    latest = _revisions(count, coordinator, agreement)
    client = client_for(coordinator)
    url = reverse("agreement_revisions", args=[latest.pk])
    client.get(url)
    with django_assert_num_queries(REVISIONS_QUERIES):
        response = client.get(url)
    assert _content(response).count("Fingerabdruck AAAA-BBBB-") == count


# Uploaded files are judged by their bytes ---------------------------------------------------------------------


def test_a_scan_named_exe_with_png_content_is_stored_and_served_as_png(
    client_for, leader_user, member, frozen, institution
):
    upload = SimpleUploadedFile("unterschrift.exe", PNG, content_type="application/x-msdownload")
    _sign_form(client_for(leader_user), frozen, institution, SignatureMethod.SCAN, upload)
    signature = Signature.objects.get(agreement=frozen)
    assert signature.file.name.endswith(".png")
    assert "exe" not in signature.file.name
    served = client_for(member).get(reverse("signature_file", args=[signature.pk]))
    assert served["Content-Type"] == "image/png"
    assert served["Content-Disposition"].startswith("attachment;")
    assert served["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (OPEN_ACTION_JS_PDF, "Die PDF-Datei enthält aktive Inhalte"),
        (b"%PDF-1.7\n<html><script>alert(1)</script></html>", "Die PDF-Datei ist beschädigt oder kein gültiges PDF."),
    ],
)
def test_a_scan_pdf_with_javascript_or_without_pdf_structure_is_refused(
    client_for, leader_user, frozen, institution, content, message
):
    upload = SimpleUploadedFile("seite.pdf", content, content_type="application/pdf")
    page = _content(_sign_form(client_for(leader_user), frozen, institution, SignatureMethod.SCAN, upload))
    assert message in page
    assert not Signature.objects.exists()
