"""Journeys of working together: an agreement from a Vorlage; a partner comments and Koordination resolves it;
a partner attaches and downloads an Anlage, an outsider is refused; the bell counts, opens and marks read."""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps
from playwright.sync_api import expect

from agreements.models import (
    Agreement,
    AgreementAttachment,
    AgreementTemplate,
    CatalogueEntry,
    CatalogueKind,
    GuidingQuestion,
    SectionComment,
    TargetGroup,
)
from kooperation.network.models import Arbeitsfeld, Role
from kooperation.ops.models import Notification
from tests import pdf_samples
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def catalogues(transactional_db, settings, tmp_path):
    """Default Arbeitsfelder and catalogues (an earlier live-server test may have flushed what the migrations
    loaded), and a media folder of this test for the Anlagen."""
    settings.MEDIA_ROOT = tmp_path / "media"
    if not Arbeitsfeld.objects.exists():
        importlib.import_module("kooperation.network.migrations.0002_default_arbeitsfelder").create_fields(apps, None)
    if not CatalogueEntry.objects.exists():
        importlib.import_module("agreements.migrations.0002_default_catalogues").load_catalogues(apps, None)


@pytest.fixture
def partner_member(partner_institution):
    """Mitglied of the agreement's second partner."""
    return MembershipFactory(
        institution=partner_institution, role=Role.MITGLIED, user=UserFactory(first_name="Paula", last_name="Partner")
    ).user


def test_koordination_creates_an_agreement_from_a_template(
    page, login, check_axe, coordinator, institution, partner_institution
):
    chosen = list(CatalogueEntry.objects.filter(kind=CatalogueKind.LEITFRAGE, is_active=True).order_by("position")[:2])
    template = AgreementTemplate.objects.create(
        name="Frühe Hilfen",
        title="Kooperation Frühe Hilfen",
        preamble="Gemeinsam für Familien mit kleinen Kindern.",
        target_groups="Schwangere mit Suchtproblematik\nFamilien mit Säuglingen",
        goals="Frühe Anbindung an das Hilfesystem",
    )
    template.questions.set(chosen)

    login(page, coordinator)
    page.goto("/vereinbarungen/neu/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kooperationsvereinbarung anlegen")
    page.get_by_label("aus Vorlage").check()
    page.get_by_label("Vorlage", exact=True).select_option(label="Frühe Hilfen")
    page.get_by_label(re.compile(r"^Klinikum Teststadt")).check()
    check_axe(page)
    page.get_by_role("button", name="Anlegen").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Kooperation Frühe Hilfen")
    expect(page.get_by_role("status")).to_contain_text("wurde angelegt")
    expect(page.get_by_text("Schwangere mit Suchtproblematik").first).to_be_visible()
    check_axe(page)
    agreement = Agreement.objects.get()
    assert agreement.preamble == "Gemeinsam für Familien mit kleinen Kindern."
    assert list(TargetGroup.objects.filter(agreement=agreement).values_list("name", flat=True)) == [
        "Schwangere mit Suchtproblematik",
        "Familien mit Säuglingen",
    ]
    leitfragen = GuidingQuestion.objects.filter(agreement=agreement, kind=CatalogueKind.LEITFRAGE)
    assert sorted(leitfragen.values_list("text", flat=True)) == sorted(q.text for q in chosen)


def test_partner_comments_and_koordination_resolves(
    page, new_page, login, check_axe, agreement, coordinator, partner_member
):
    login(page, partner_member)
    page.goto(agreement.get_absolute_url())
    page.get_by_role("link", name=re.compile(r"^Kommentare\s*:\s*Zielgruppen$")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kommentare zu „Zielgruppen“")
    expect(page.get_by_text("Zu diesem Abschnitt gibt es noch keine Kommentare.")).to_be_visible()
    page.locator("#id_kommentar-text").fill("Bitte junge Volljährige bis 21 Jahre ausdrücklich nennen.")
    page.get_by_label(coordinator.get_full_name()).check()
    page.get_by_role("button", name="Kommentieren").click()
    thread = page.get_by_role("article")
    expect(thread).to_contain_text("Bitte junge Volljährige bis 21 Jahre ausdrücklich nennen.")
    expect(thread).to_contain_text("offen")
    check_axe(page)

    coordination = new_page()
    login(coordination, coordinator)
    coordination.goto(agreement.get_absolute_url())
    link = coordination.get_by_role("link", name=re.compile(r"^Kommentare\s*1 offen\s*:\s*Zielgruppen$"))
    link.click()
    coordination.get_by_label("Antwort").fill("Ist aufgenommen.")
    coordination.get_by_role("button", name="Antworten").click()
    expect(coordination.get_by_role("article")).to_contain_text("Ist aufgenommen.")
    coordination.get_by_role("button", name="Erledigt").click()
    expect(coordination.get_by_role("article")).to_contain_text(f"erledigt von {coordinator.get_full_name()}")
    check_axe(coordination)
    comment = SectionComment.objects.get(parent=None)
    assert comment.resolved_by == coordinator

    # The partner sees the thread closed; no reply form is left on it.
    page.reload()
    expect(page.get_by_role("article")).to_contain_text("erledigt")
    expect(page.get_by_role("button", name="Antworten")).to_have_count(0)


def test_partner_attaches_and_downloads_an_anlage_and_an_outsider_is_refused(
    page, new_page, login, check_axe, agreement, partner_member, outsider
):
    login(page, partner_member)
    page.goto(agreement.get_absolute_url())
    page.get_by_role("link", name="Anlagen").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Anlagen")
    expect(page.get_by_text("Noch keine Anlagen.")).to_be_visible()
    page.get_by_label("Datei").set_input_files(
        {"name": "Vertrag-2019.pdf", "mimeType": "application/pdf", "buffer": pdf_samples.PLAIN_PDF}
    )
    page.get_by_label("Beschreibung").fill("Der alte Vertrag auf Papier")
    page.get_by_role("button", name="Hochladen").click()
    row = page.get_by_role("row", name=re.compile("Vertrag-2019.pdf"))
    expect(row).to_contain_text("Der alte Vertrag auf Papier")
    expect(row).to_contain_text(partner_member.get_full_name())
    check_axe(page)

    href = row.get_by_role("link", name="Vertrag-2019.pdf", exact=True).get_attribute("href")
    download = page.request.get(href)
    assert download.status == 200
    assert download.body() == pdf_samples.PLAIN_PDF
    attachment = AgreementAttachment.objects.get()
    assert href == f"/anlagen/{attachment.pk}/datei/"

    stranger = new_page()
    login(stranger, outsider)
    assert stranger.goto(f"/vereinbarungen/{agreement.pk}/anlagen/").status == 404
    assert stranger.request.get(href).status == 404
    assert stranger.request.get(agreement.get_absolute_url()).status == 404


def test_bell_counts_unread_opens_and_marks_read(page, login, check_axe, coordinator, agreement):
    for n in range(2):
        Notification.objects.create(
            user=coordinator,
            subject=f"Hinweis {n + 1}",
            message="Bitte ansehen.",
            path=agreement.get_absolute_url(),
        )
    login(page, coordinator)
    bell = page.locator("#glocke")
    expect(bell.locator("#glocke-anzahl")).to_have_text("2 ungelesen")

    bell.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Benachrichtigungen")
    expect(page.get_by_text("2 ungelesene Benachrichtigungen.")).to_be_visible()
    check_axe(page)
    page.get_by_role("button", name="Hinweis 1", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(agreement.title)
    expect(page.locator("#glocke-anzahl")).to_have_text("1 ungelesen")

    page.locator("#glocke").click()
    page.get_by_role("button", name=re.compile(r"^Als gelesen markieren\s*:\s*Hinweis 2$")).click()
    expect(page.get_by_text("0 ungelesene Benachrichtigungen.")).to_be_visible()
    expect(page.locator("#glocke-anzahl")).to_have_text("")
    assert not Notification.objects.filter(user=coordinator, read_at__isnull=True).exists()


def test_koordination_asks_a_partner_for_its_leitung_and_the_partner_confirms(
    page, new_page, login, check_axe, agreement, coordinator, partner_institution
):
    partner_coordinator = MembershipFactory(
        institution=partner_institution, role=Role.KOORDINATION, user=UserFactory(first_name="Pia", last_name="Pohl")
    ).user
    login(page, coordinator)
    page.goto(f"/vereinbarungen/{agreement.pk}/gremium/")
    missing = page.get_by_role("region", name="Wer noch fehlt")
    expect(missing).to_contain_text("Klinikum Teststadt")
    check_axe(page)
    missing.get_by_role("link", name=re.compile(r"^Person einladen\s*:\s*Leitung Klinikum Teststadt$")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Person einladen")
    expect(page.get_by_label("Rolle in der Institution")).to_have_value("leitung")
    page.get_by_role("button", name="Einladung anfragen").click()
    expect(page.get_by_text("Dieses Feld ist zwingend erforderlich.").first).to_be_visible()
    check_axe(page)
    page.get_by_label("Vorname").fill("Lena")
    page.get_by_label("Nachname").fill("Leitner")
    page.get_by_label("E-Mail-Adresse").fill("lena.leitner@klinikum.example")
    page.get_by_role("button", name="Einladung anfragen").click()
    expect(page.get_by_role("status")).to_contain_text("Die Anfrage ist bei der Koordination von „Klinikum Teststadt“")
    expect(page.get_by_role("region", name="Wer noch fehlt")).to_contain_text(
        "Lena Leitner (Leitung): angefragt, wartet auf Bestätigung"
    )

    partner = new_page()
    login(partner, partner_coordinator)
    expect(partner.locator("#glocke-anzahl")).to_have_text("1 ungelesen")
    partner.locator("#glocke").click()
    partner.get_by_role("button", name="Bitte bestätigen: Einladung für Klinikum Teststadt", exact=True).click()
    expect(partner.get_by_role("heading", level=1)).to_have_text("Anfrage für eine Einladung")
    check_axe(partner)
    partner.get_by_role("button", name="Bestätigen und einladen").click()
    expect(partner.get_by_role("status")).to_contain_text(
        "Die Einladung an lena.leitner@klinikum.example wurde verschickt."
    )
    partner.goto("/netzwerk/anfragen/")
    expect(partner.get_by_text("Keine offenen Anfragen.")).to_be_visible()
    check_axe(partner)
    assert partner_institution.memberships.filter(
        user__email="lena.leitner@klinikum.example", role=Role.LEITUNG
    ).exists()
