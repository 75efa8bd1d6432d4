"""Journey: an agreement every partner approved is released for signing, downloaded, signed and in force."""

from __future__ import annotations

import hashlib
import re
from datetime import date
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from agreements.models import Agreement, FrozenContract, Signature, Status
from agreements.services import validity
from tests import signing_data as sd

pytestmark = pytest.mark.browser

TITLE = "Kooperationsvereinbarung Hilfekonferenzen rund um die Geburt"


@pytest.fixture
def parties(transactional_db, settings, tmp_path):
    """Three partners, each with a Koordination (board seat) and a signing Leitung."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return [sd.party(i) for i in sd.institutions(3, prefix="Träger")]


@pytest.fixture
def approved(parties):
    """Built in code like agreements/demo.py: structure, answers, text, every partner's approval."""
    agreement = sd.approved(parties, title=TITLE)
    assert agreement.status == Status.IN_ABSTIMMUNG
    return agreement


def _heading(page, text: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def _status(page, label: str) -> None:
    expect(page.locator("main .badge").filter(has_text=re.compile(rf"^{re.escape(label)}$")).first).to_be_visible()


def test_from_all_approvals_to_in_force(new_page, login, check_axe, parties, approved, tmp_path):
    coordinator = parties[0].koordination
    detail = reverse("agreement_detail", args=[approved.pk])
    signatures = reverse("agreement_signatures", args=[approved.pk])

    # Koordination releases the approved text for signing.
    page = new_page()
    login(page, coordinator)
    page.goto(detail)
    _heading(page, TITLE)
    _status(page, "In Abstimmung")
    check_axe(page)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Zur Unterzeichnung freigeben").click()
    expect(page.get_by_text("Die Vereinbarung hat jetzt den Status „Zur Unterzeichnung“.")).to_be_visible()
    _status(page, "Zur Unterzeichnung")
    check_axe(page)

    # The contract was rendered once after the commit; its SHA-256 is shown and the download is exactly it.
    contract = FrozenContract.objects.get(agreement=approved)
    page.get_by_role("link", name="Unterzeichnung", exact=True).click()
    _heading(page, "Unterzeichnung")
    expect(page.get_by_text(contract.sha256)).to_be_visible()
    expect(page.get_by_text(contract.fingerprint)).to_be_visible()
    expect(page.get_by_text("steht noch aus")).to_have_count(3)
    check_axe(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Vertrag herunterladen (PDF/A)").click()
    download = download_info.value
    assert download.suggested_filename == f"Kooperationsvereinbarung-{approved.pk}-Rev000.pdf"
    saved = tmp_path / "download.pdf"
    download.save_as(saved)
    data = Path(saved).read_bytes()
    assert data == sd.stored_bytes(approved)
    assert hashlib.sha256(data).hexdigest() == contract.sha256

    page.goto(reverse("agreement_revisions", args=[approved.pk]))
    _heading(page, "Revisionen")
    expect(page.get_by_text(f"Fingerabdruck {contract.fingerprint}")).to_be_visible()
    check_axe(page)

    # Each partner's Leitung records its signature.
    today = timezone.localdate().strftime("%d.%m.%Y")
    for number, party in enumerate(parties, start=1):
        leitung = new_page()
        login(leitung, party.leitung)
        leitung.goto(signatures)
        _heading(leitung, "Unterzeichnung")
        expect(leitung.get_by_role("heading", name="Unterschrift erfassen")).to_be_visible()
        if number == 1:
            check_axe(leitung)
        leitung.locator("#id_place").fill("Lindenbrück")
        leitung.get_by_role("button", name="Unterschrift erfassen").click()
        expect(leitung.get_by_text(f"Die Unterschrift für „{party.institution.name}“ ist erfasst.")).to_be_visible()
        expect(
            leitung.get_by_text(
                f"{party.leader.name}, {party.leader.function} – unterzeichnet am {today} in Lindenbrück"
            )
        ).to_be_visible()
        expect(leitung.get_by_role("heading", name="Unterschrift erfassen")).to_have_count(0)
        if number == 1:
            check_axe(leitung)

    assert Signature.objects.filter(agreement=approved).count() == 3
    agreement = Agreement.objects.get(pk=approved.pk)
    assert agreement.status == Status.UNTERZEICHNET

    # Signed before its start date: "Unterzeichnet – gültig ab" until the daily job on that date.
    page.goto(detail)
    _status(page, "Unterzeichnet – gültig ab 01.01.2027")
    check_axe(page)
    validity.daily(today=date(2027, 1, 1))
    assert Agreement.objects.get(pk=approved.pk).status == Status.IN_KRAFT

    # The agreement is in force from its start date; the stored contract has not changed.
    page.goto(detail)
    _status(page, "In Kraft")
    expect(page.get_by_text("In Kraft ab 01.01.2027 bis 31.12.2029 · nächste Überprüfung 01.01.2028")).to_be_visible()
    expect(page.get_by_role("button", name="Änderung beginnen")).to_be_visible()
    check_axe(page)
    page.goto(signatures)
    expect(page.get_by_text("steht noch aus")).to_have_count(0)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Vertrag herunterladen (PDF/A)").click()
    again = tmp_path / "wieder.pdf"
    download_info.value.save_as(again)
    assert again.read_bytes() == data
