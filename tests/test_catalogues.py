"""Default catalogues: loaded verbatim from the seeds, kept by Administration, copied into agreements."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.urls import reverse

from agreements.models import CatalogueEntry, CatalogueKind, Criterion
from agreements.services.agreement import copy_revision, create_agreement
from tests.agreement_data import CONFLICT, REQUIRED, two_editors
from tests.factories import UserFactory, formset_data

pytestmark = pytest.mark.django_db

SEEDS = Path("/work/shared/seeds")


def _seed(number: str) -> str:
    (path,) = SEEDS.glob(f"{number}_*.txt")
    return path.read_text(encoding="utf-8")


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _seed_basiskriterien() -> list[str]:
    """The bullet list under "Basiskriterien" in seed 002, joined across its line breaks."""
    text = _seed("002")
    block = text[text.index("\n Basiskriterien") : text.index("Die Einigung auf Basiskriterien")]
    return [_flat(item).rstrip(",.") for item in block.split("•")[1:]]


def _seed_bedingungen() -> list[tuple[str, str]]:
    text = _seed("000")
    block = text[text.index("3. Bedingungen gelingender Kooperation") : text.index("4. Zielrichtung")]
    return [(label, body.rstrip(".")) for label, body in re.findall(r"^- ([a-j])\. (.+?)\s*$", block, re.MULTILINE)]


def _seed_fuenf_fragen() -> list[str]:
    text = _seed("001")
    block = text[text.index("anhand von fünf Fragen") : text.index("Bestandsaufnahme und Planung")]
    return re.findall(r"^„(.+\?)“\s*$", block, re.MULTILINE)


def _catalogue(kind: str) -> list[str]:
    return list(CatalogueEntry.objects.filter(kind=kind).order_by("position").values_list("text", flat=True))


# --- loaded verbatim by the data migration ----------------------------------------------------------


def test_seed_parsers_find_what_the_seeds_promise():
    assert len(_seed_basiskriterien()) == 6
    assert [label for label, _text in _seed_bedingungen()] == list("abcdefghij")
    assert len(_seed_fuenf_fragen()) == 5


def test_the_six_basiskriterien_are_seed_002_verbatim():
    assert _catalogue(CatalogueKind.BASISKRITERIUM) == _seed_basiskriterien()


def test_the_ten_conditions_a_to_j_are_seed_000_verbatim():
    entries = CatalogueEntry.objects.filter(kind=CatalogueKind.BEDINGUNG).order_by("position")
    assert [(entry.label, entry.text) for entry in entries] == _seed_bedingungen()
    assert str(entries[0]) == "a) Einverständnis und Akzeptanz der Klientel"


def test_the_five_questions_for_internal_clarification_are_seed_001_verbatim():
    assert _catalogue(CatalogueKind.INTERNE_KLAERUNG) == _seed_fuenf_fragen()


def test_the_leitfragen_appear_verbatim_in_seed_002():
    seed = _flat(_seed("002")).replace("/ ", "/")  # "Institution/" ends a line in the seed
    leitfragen = _catalogue(CatalogueKind.LEITFRAGE) + _catalogue(CatalogueKind.WEITERE_FRAGE)
    assert len(leitfragen) == 11
    for question in leitfragen:
        assert question in seed


def test_every_catalogue_entry_is_active_and_numbered_from_one():
    for kind in CatalogueKind.values:
        entries = list(CatalogueEntry.objects.filter(kind=kind).order_by("position"))
        assert entries, kind
        assert [entry.position for entry in entries] == list(range(1, len(entries) + 1))
        assert all(entry.is_active for entry in entries)


def test_the_data_migration_does_not_load_twice():
    migration = importlib.import_module("agreements.migrations.0002_default_catalogues")
    before = CatalogueEntry.objects.count()
    migration.load_catalogues(apps, None)
    assert CatalogueEntry.objects.count() == before


# --- Administration edits the catalogues; agreements keep their copies --------------------------------


def _catalogue_page(client, kind: str = CatalogueKind.BASISKRITERIUM) -> dict:
    return formset_data(client.get(reverse("catalogue_edit", args=[kind])).context["formset"])


def test_overview_counts_the_active_entries(client_for, admin_user):
    content = client_for(admin_user).get(reverse("catalogue_overview")).content.decode()
    assert "6 aktive Einträge" in content
    assert "10 aktive Einträge" in content
    assert "5 aktive Einträge" in content


def test_catalogue_edit_does_not_change_existing_agreements_but_new_ones_copy_it(
    client_for, admin_user, agreement, coordinator, institution, partner_institution
):
    before = list(Criterion.objects.filter(agreement=agreement).values_list("text", flat=True))
    client = client_for(admin_user)
    data = _catalogue_page(client)
    data["eintraege-0-text"] = "eine Wohnung mit Wasser, Strom und Heizung"
    data.pop("eintraege-1-is_active")  # "die Absicherung des Lebensunterhaltes" is no longer offered

    response = client.post(reverse("catalogue_edit", args=[CatalogueKind.BASISKRITERIUM]), data, follow=True)

    assert "Der Katalog wurde gespeichert. Bestehende Vereinbarungen bleiben unverändert." in response.content.decode()
    assert list(Criterion.objects.filter(agreement=agreement).values_list("text", flat=True)) == before
    newer = create_agreement(
        coordinator,
        title="Neuere Vereinbarung",
        preamble="",
        coordinating_institution=institution,
        institutions=[partner_institution],
    )
    copied = list(Criterion.objects.filter(agreement=newer).values_list("text", flat=True))
    assert copied[0] == "eine Wohnung mit Wasser, Strom und Heizung"
    assert "die Absicherung des Lebensunterhaltes" not in copied
    assert len(copied) == 5


def test_an_amendment_copies_the_agreements_criteria_not_the_catalogue(agreement, coordinator):
    Criterion.objects.filter(agreement=agreement, position=1).update(text="eigene Fassung")
    CatalogueEntry.objects.filter(kind=CatalogueKind.BASISKRITERIUM).update(text="geänderter Katalog")
    amendment = copy_revision(agreement, coordinator)
    texts = list(Criterion.objects.filter(agreement=amendment).values_list("text", flat=True))
    assert texts[0] == "eigene Fassung"
    assert "geänderter Katalog" not in texts


def test_administration_adds_reorders_and_deletes_entries(client_for, admin_user):
    client = client_for(admin_user)
    data = _catalogue_page(client, CatalogueKind.INTERNE_KLAERUNG)
    data["eintraege-0-ORDER"], data["eintraege-4-ORDER"] = "5", "1"
    data["eintraege-3-DELETE"] = "on"
    data.update({"eintraege-5-text": "Wer spricht für uns im Gremium?", "eintraege-5-is_active": "on"})
    response = client.post(reverse("catalogue_edit", args=[CatalogueKind.INTERNE_KLAERUNG]), data)
    assert response.status_code == 302
    assert _catalogue(CatalogueKind.INTERNE_KLAERUNG) == [
        "Was haben wir schon, was brauchen wir noch?",
        "Was können wir einbringen?",
        "Wie können wir dies den Partnern gegenüber kommunizieren?",
        "Warum wollen wir kooperieren?",
        "Wer spricht für uns im Gremium?",
    ]


def test_catalogue_entry_without_text_gets_a_german_field_message(client_for, admin_user):
    client = client_for(admin_user)
    data = _catalogue_page(client)
    data["eintraege-2-text"] = ""
    response = client.post(reverse("catalogue_edit", args=[CatalogueKind.BASISKRITERIUM]), data)
    assert response.status_code == 200
    assert response.context["formset"].forms[2].errors["text"] == [REQUIRED]
    assert REQUIRED in response.content.decode()
    assert _catalogue(CatalogueKind.BASISKRITERIUM) == _seed_basiskriterien()


def test_too_long_label_gets_a_german_field_message(client_for, admin_user):
    client = client_for(admin_user)
    data = _catalogue_page(client, CatalogueKind.BEDINGUNG)
    data["eintraege-0-label"] = "abcdef"
    response = client.post(reverse("catalogue_edit", args=[CatalogueKind.BEDINGUNG]), data)
    assert response.context["formset"].forms[0].errors["label"] == [
        "Bitte sicherstellen, dass der Wert aus höchstens 5 Zeichen besteht. (Er besteht aus 6 Zeichen.)"
    ]


def test_stale_catalogue_edit_gets_a_conflict_and_changes_nothing(admin_user):
    first, second = two_editors(admin_user, UserFactory(is_administration=True))
    first_data, second_data = _catalogue_page(first), _catalogue_page(second)
    url = reverse("catalogue_edit", args=[CatalogueKind.BASISKRITERIUM])
    assert first.post(url, {**first_data, "eintraege-0-text": "vom ersten"}).status_code == 302

    response = second.post(url, {**second_data, "eintraege-0-text": "vom zweiten", "eintraege-1-text": "auch"})

    assert response.status_code == 200
    assert CONFLICT in response.content.decode()
    texts = _catalogue(CatalogueKind.BASISKRITERIUM)
    assert texts[:2] == ["vom ersten", "die Absicherung des Lebensunterhaltes"]


def test_only_administration_keeps_the_catalogues(client_for, coordinator):
    response = client_for(coordinator).get(reverse("catalogue_edit", args=[CatalogueKind.BASISKRITERIUM]))
    assert response.status_code == 403
    assert "Nur die Administration pflegt die Kataloge." in response.content.decode()


def test_unknown_catalogue_is_404(client_for, admin_user):
    assert client_for(admin_user).get(reverse("catalogue_edit", args=["erfunden"])).status_code == 404
