"""Journey through exits of "Zur Unterzeichnung": a paper signature recorded and voided, then withdrawn from signing.

Every step's confirmation is a page of its own (no JavaScript dialog), checked with axe like the other journeys.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from agreements.models import Agreement, FrozenContract, Signature, Status, StatusChange
from kooperation.network.models import Role
from tests import signing_data as sd
from tests.factories import MembershipFactory, UserFactory
from tests.pdf_samples import PLAIN_PDF

pytestmark = pytest.mark.browser

TITLE = "Kooperationsvereinbarung Familienhebammen im Wochenbett"


@pytest.fixture
def parties(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return [sd.party(i) for i in sd.institutions(2, prefix="Träger")]


@pytest.fixture
def frozen(parties):
    agreement = sd.approved(parties, title=TITLE)
    sd.release(agreement, parties[0].koordination)
    return Agreement.objects.get(pk=agreement.pk)


def _heading(page, text: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def test_paper_signature_voided_and_the_revision_withdrawn_from_signing(
    new_page, login, check_axe, parties, frozen, tmp_path
):
    coordinator, partner = parties[0].koordination, parties[1]
    signatures = reverse("agreement_signatures", args=[frozen.pk])
    scan = tmp_path / "seite.pdf"
    scan.write_bytes(PLAIN_PDF)  # a real, harmless PDF: uploads are parsed, not just sniffed

    # Koordination of the coordinating institution records the partner's signature received on paper.
    page = new_page()
    login(page, coordinator)
    page.goto(signatures)
    _heading(page, "Unterzeichnung")
    page.get_by_role("link", name="Unterschrift auf Papier erfassen").click()
    _heading(page, "Unterschrift auf Papier erfassen")
    check_axe(page)
    page.get_by_label("für").select_option(str(partner.institution.pk))
    page.get_by_label("unterzeichnet von (Name)").fill("Dr. Lore Lehmann")
    page.get_by_label("Funktion").fill("Geschäftsführung")
    page.get_by_label("unterzeichnet am").fill(frozen.stand.isoformat())
    page.get_by_label("in (Ort)").fill("Lindenbrück")
    page.get_by_label("Scan der unterschriebenen Seite").set_input_files(str(scan))
    page.get_by_role("button", name="Unterschrift erfassen").click()
    expect(page.get_by_text(f"Die Unterschrift für „{partner.institution.name}“ ist erfasst.")).to_be_visible()
    expect(page.get_by_text(re.compile(r"auf Papier eingegangen, erfasst von"))).to_be_visible()
    check_axe(page)

    # It was the wrong page: voided with a reason, kept and shown as void.
    page.get_by_role("link", name=re.compile("^Für ungültig erklären")).click()
    _heading(page, "Unterschrift für ungültig erklären")
    check_axe(page)
    page.get_by_label("Begründung").fill("Falsche Seite eingescannt.")
    page.get_by_role("button", name="Für ungültig erklären").click()
    expect(page.get_by_text("Die Unterschrift ist jetzt ungültig; sie bleibt als ungültig sichtbar.")).to_be_visible()
    expect(page.get_by_text(re.compile("Falsche Seite eingescannt."))).to_be_visible()
    check_axe(page)
    assert Signature.objects.get(agreement=frozen).voided_at is not None

    # Exit: the revision goes back to In Erarbeitung, through its confirmation page (no JavaScript dialog).
    page.goto(reverse("agreement_detail", args=[frozen.pk]))
    page.get_by_role("link", name="Aus der Unterzeichnung zurückziehen").click()
    _heading(page, "Aus der Unterzeichnung zurückziehen")
    check_axe(page)
    page.get_by_label("Begründung").fill("Die Ablaufpläne werden ergänzt.")
    page.get_by_role("button", name="Aus der Unterzeichnung zurückziehen").click()
    expect(page.get_by_text("Die Vereinbarung hat jetzt den Status „In Erarbeitung“.")).to_be_visible()
    check_axe(page)
    agreement = Agreement.objects.get(pk=frozen.pk)
    assert agreement.status == Status.IN_ERARBEITUNG
    assert StatusChange.objects.get(agreement=agreement, transition="withdraw_from_signing").comment == (
        "Die Ablaufpläne werden ergänzt."
    )
    assert FrozenContract.objects.get(agreement=agreement).withdrawn_at is not None


def test_a_leitung_refuses_to_sign_and_a_draft_is_discarded(new_page, login, check_axe, parties, frozen):
    leitung, coordinator = parties[1].leitung, parties[0].koordination

    # The Leitung of the second partner finds the agreement on its start page and refuses to sign it.
    page = new_page()
    login(page, leitung)
    page.goto(reverse("dashboard"))
    page.get_by_role("link", name=re.compile(f"^Ihre Unterschrift wird erwartet: {TITLE}")).click()
    _heading(page, "Unterzeichnung")
    page.goto(reverse("agreement_detail", args=[frozen.pk]))
    page.get_by_role("link", name="Unterschrift verweigern").click()
    _heading(page, "Unterschrift verweigern")
    check_axe(page)
    page.get_by_label("Begründung").fill("Die Kündigungsfrist ist zu kurz.")
    page.get_by_role("button", name="Unterschrift verweigern").click()
    expect(page.get_by_text("Die Vereinbarung hat jetzt den Status „In Erarbeitung“.")).to_be_visible()
    check_axe(page)
    assert StatusChange.objects.get(agreement=frozen, transition="refuse_signing").by == leitung

    # A new draft of the Koordination is discarded: archived, still readable, marked Verworfen.
    draft = sd.new_agreement(parties, title="Kooperationsvereinbarung Ferienbetreuung")
    koordination = new_page()
    login(koordination, coordinator)
    koordination.goto(reverse("agreement_detail", args=[draft.pk]))
    koordination.get_by_role("link", name="Entwurf verwerfen").click()
    _heading(koordination, "Entwurf verwerfen")
    check_axe(koordination)
    koordination.get_by_label("Begründung").fill("Das Angebot übernimmt der Kreis.")
    koordination.get_by_role("button", name="Entwurf verwerfen").click()
    expect(koordination.get_by_text("Die Vereinbarung hat jetzt den Status „Verworfen“.")).to_be_visible()
    expect(koordination.locator("main .badge").filter(has_text=re.compile("^Verworfen$")).first).to_be_visible()
    check_axe(koordination)
    assert Agreement.objects.get(pk=draft.pk).status == Status.VERWORFEN


def test_a_leitung_names_a_deputy_who_signs_i_v(new_page, login, check_axe, parties, frozen):
    first = parties[0]
    deputy = MembershipFactory(
        institution=first.institution, role=Role.MITGLIED, user=UserFactory(first_name="Vera", last_name="Vogt")
    ).user
    today = timezone.localdate()

    page = new_page()
    login(page, first.leitung)
    page.goto(reverse("deputies"))
    _heading(page, "Vertretungen")
    check_axe(page)
    page.locator("#id_institution").select_option(str(first.institution.pk))
    page.locator("#id_user").select_option(str(deputy.pk))
    page.locator("#id_function").fill("stellv. Geschäftsführung")
    page.locator("#id_valid_from").fill(today.isoformat())
    page.locator("#id_valid_until").fill((today + timedelta(days=7)).isoformat())
    page.get_by_role("button", name="Vertretung benennen").click()
    expect(page.get_by_text("Die Vertretung ist benannt.")).to_be_visible()
    check_axe(page)

    signer = new_page()
    login(signer, deputy)
    signer.goto(reverse("agreement_signatures", args=[frozen.pk]))
    signer.locator("#id_place").fill("Lindenbrück")
    signer.get_by_role("button", name="Unterschrift erfassen").click()
    expect(signer.get_by_text(re.compile(r"^i\. V\. Vera Vogt, stellv\. Geschäftsführung"))).to_be_visible()
    check_axe(signer)
    assert Signature.objects.get(agreement=frozen, institution=first.institution).deputy_for
