"""The contract PDF as poppler and qpdf see it: PDF/A-3b, attached JSON, running texts, signature blocks.

Each module fixture renders its documents once (inside a transaction it rolls back), so the
many checks below read the same files. Without poppler-utils/qpdf the tests skip locally
and fail under CI=true.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.test import override_settings
from django.utils import formats

from agreements.documents import ContractRenderer, _columns, contract_data, fingerprint
from agreements.models import Agreement, ConferenceRules, FlowPlan, Partner
from agreements.services.agreement import set_partners
from tests import signing_data as sd
from tests.factories import InstitutionFactory

TOOLS = ("pdftotext", "pdfinfo", "pdffonts", "pdfdetach", "qpdf")
A4 = "595.276 x 841.89 pts (A4)"
SECTIONS = (
    "§ 1 Präambel und Partner",
    "§ 2 Zielgruppen",
    "§ 3 Ziele und Indikatoren",
    "§ 4 Basiskriterien",
    "§ 5 Aufgaben und Rollen",
    "§ 6 Kommunikations-, Rückmeldungs- und Berichtswege",
    "§ 7 Datenschutz und Schweigepflicht",
    "§ 8 Ablaufpläne",
    "§ 9 Hilfekonferenz",
    "§ 10 Laufzeit und Überprüfung",
    "Unterschriften",
)


@dataclass
class Contract:
    """What a test needs to know about one rendered contract (the database rows are rolled back)."""

    frozen: Path
    preview: Path
    title: str
    revision_label: str
    stand: str
    fingerprint: str
    data: dict
    institutions: list[str]
    signers: list[str]
    criteria: list[str]


def _render(folder: Path, parties: list[sd.Party], title: str) -> Contract:
    agreement = sd.approved(parties, title=title)
    preview = folder / "vorschau.pdf"
    preview.write_bytes(ContractRenderer(agreement, draft=True).render()[2])
    sd.release(agreement, parties[0].koordination)
    agreement = Agreement.objects.get(pk=agreement.pk)
    frozen = folder / "vertrag.pdf"
    frozen.write_bytes(sd.stored_bytes(agreement))
    partners = Partner.objects.filter(agreement=agreement).select_related("institution").order_by("position", "pk")
    leaders = {p.institution.pk: p.leader for p in parties}
    return Contract(
        frozen=frozen,
        preview=preview,
        title=agreement.title,
        revision_label=agreement.revision_label,
        stand=formats.date_format(agreement.stand, "d.m.Y"),
        fingerprint=agreement.frozen_contract.fingerprint,
        data=contract_data(ContractRenderer(agreement, draft=False).agreement),
        institutions=[p.institution.name for p in partners],
        signers=[f"{leaders[p.institution_id].name}, {leaders[p.institution_id].function}" for p in partners],
        criteria=list(agreement.criteria.values_list("text", flat=True)),
    )


@pytest.fixture(scope="module")
def rendered(django_db_setup, django_db_blocker, tmp_path_factory):
    """Render once per module: a three-partner contract and a twenty-partner contract, frozen and as preview."""
    sd.require_tools(*TOOLS)
    folder = tmp_path_factory.mktemp("vertraege")
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=folder / "media", PASSWORD_HASHERS=fast),
        transaction.atomic(),
    ):
        three = [sd.party(i) for i in sd.institutions(3, prefix="Träger")]
        (folder / "drei").mkdir()
        small = _render(folder / "drei", three, "Kooperationsvereinbarung Früher Übergänge")
        twenty = [sd.party(i) for i in sd.institutions(20, prefix="Netzwerkpartner")]
        (folder / "zwanzig").mkdir()
        large = _render(
            folder / "zwanzig",
            twenty,
            "Kooperationsvereinbarung mit zwanzig Partnern für Frühe Hilfen, Suchthilfe, Schule und "
            "Berufsberatung in der Region Lindenbrück",
        )
        transaction.set_rollback(True)
    return {"small": small, "large": large}


@pytest.fixture(params=["small", "large"])
def contract(request, rendered) -> Contract:
    return rendered[request.param]


@pytest.fixture
def small(rendered) -> Contract:
    return rendered["small"]


@pytest.fixture
def large(rendered) -> Contract:
    return rendered["large"]


def plain(text: str) -> str:
    """Whitespace (line breaks, layout gaps) collapsed to single spaces."""
    return re.sub(r"\s+", " ", text).strip()


def dehyphenated(text: str) -> str:
    """Also join words the renderer hyphenated at a line end (WeasyPrint marks them with U+2010)."""
    return plain(re.sub(r"(?<=\w)[\u2010\u00ad]\n", "", text))


def pages(pdf: Path, layout: bool = False) -> list[str]:
    """The text of each page: in reading order, or (layout) line by line as printed."""
    options = ["-layout"] if layout else []
    return [sd.tool("pdftotext", *options, "-f", k, "-l", k, pdf, "-") for k in range(1, sd.page_count(pdf) + 1)]


def big_letters(pdf: Path) -> list[list[tuple[float, float, str]]]:
    """Per page, the letters taller than 40 pt (the draft mark) as (x, y, letter), left to right."""
    output = sd.tool("pdftotext", "-bbox", pdf, "-")
    word = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>')
    result = []
    for page in output.split("<page ")[1:]:
        letters = [
            (float(x), float(y), text) for x, y, bottom, text in word.findall(page) if float(bottom) - float(y) > 40
        ]
        result.append(sorted(letters))
    return result


def full_text(pdf: Path) -> str:
    return sd.tool("pdftotext", pdf, "-")


# The file ---------------------------------------------------------------------------------------------------------


def test_contract_is_a4_and_passes_qpdf_check(contract):
    for pdf in (contract.frozen, contract.preview):
        info = sd.tool("pdfinfo", pdf)
        assert re.search(r"^Page size:\s+" + re.escape(A4), info, re.MULTILINE), info
        assert "No syntax or stream encoding errors found" in sd.tool("qpdf", "--check", pdf)


def test_every_page_is_a4(large):
    sizes = re.findall(r"^Page\s+\d+ size:\s+(.*)$", sd.tool("pdfinfo", "-f", 1, "-l", 999, large.frozen), re.M)
    assert len(sizes) == sd.page_count(large.frozen)
    assert set(sizes) == {A4}


def test_contract_declares_pdf_a_3b_in_its_xmp_metadata(contract):
    xmp = sd.tool("pdfinfo", "-meta", contract.frozen)
    assert re.search(r"pdfaid:part(>|=['\"])3\b", xmp), xmp
    assert re.search(r"pdfaid:conformance(>|=['\"])B\b", xmp), xmp
    info = sd.tool("pdfinfo", contract.frozen)
    assert re.search(r"^Title:\s+" + re.escape(contract.title) + "$", info, re.MULTILINE)
    assert re.search(r"^Subject:\s+" + re.escape(contract.revision_label) + "$", info, re.MULTILINE)


def test_contract_attaches_its_content_as_json(contract, tmp_path):
    listing = sd.tool("pdfdetach", "-list", contract.frozen)
    assert listing.splitlines()[0] == "1 embedded files"
    assert "1: vereinbarung.json" in listing
    target = tmp_path / "vereinbarung.json"
    sd.tool("pdfdetach", "-save", 1, "-o", target, contract.frozen)
    attached = json.loads(target.read_text(encoding="utf-8"))
    assert attached == contract.data
    assert [p["institution"] for p in attached["partners"]] == contract.institutions
    assert attached["basiskriterien"] == contract.criteria
    assert attached["revision"] == contract.revision_label
    # The fingerprint printed on every page is the one of exactly this content.
    assert fingerprint(attached) == contract.fingerprint


def test_preview_has_no_attachment(small):
    assert sd.tool("pdfdetach", "-list", small.preview).splitlines()[0] == "0 embedded files"


def test_fonts_are_embedded_with_unicode_maps(contract):
    rows = sd.tool("pdffonts", contract.frozen).splitlines()[2:]
    assert rows, "no fonts listed"
    for row in rows:
        emb, _sub, uni = row.split()[-5:-2]
        assert (emb, uni) == ("yes", "yes"), row
    assert any("Kooperation-Serif" in row for row in rows)


# Every page -------------------------------------------------------------------------------------------------------


def test_every_page_has_the_running_header_fingerprint_and_page_x_of_y(contract):
    """The title page shows title and revision in large type: it has the footer but no running header."""
    texts = pages(contract.frozen)
    total = len(texts)
    assert total >= 5
    for number, text in enumerate(texts, start=1):
        flat = plain(text)
        assert contract.title in flat, number
        header = f"{contract.revision_label} · Zur Unterzeichnung"
        assert (header in flat) == (number > 1), number
        assert f"Fingerabdruck {contract.fingerprint}" in flat, number
        assert f"Seite {number} von {total}" in flat, number


def test_title_page_starts_with_the_document_not_a_running_header(contract):
    first_line = next(line for line in pages(contract.frozen, layout=True)[0].splitlines() if line.strip())
    assert first_line.strip() == "KOOPERATIONSVEREINBARUNG"


def test_no_near_empty_page_between_title_and_signatures(contract):
    """Sections run on: only the page before the signatures (which start a new page) may be short."""
    texts = pages(contract.frozen, layout=True)
    signatures = next(i for i, text in enumerate(texts) if "Mit ihrer Unterschrift erkennen die Partner" in text)
    for number, text in enumerate(texts[1 : signatures - 1], start=2):
        lines = [line for line in text.splitlines() if line.strip()]
        assert len(lines) >= 25, (number, len(lines))


LONG_STEP = (
    "Die Fachkraft spricht die Mutter an, erklärt das Angebot der Familienhebamme und der Rückmeldung an das "
    "Jugendamt und vereinbart mit ihrer Einwilligung einen ersten gemeinsamen Termin. "
)


def _line_counts(pdf: Path) -> list[int]:
    return [len([line for line in text.splitlines() if line.strip()]) for text in pages(pdf, layout=True)]


def test_long_flow_plans_leave_no_near_empty_page(db, settings, tmp_path):
    """Long Ablaufpläne and a sparse § 9: tables flow on instead of jumping and leaving a page mostly empty."""
    settings.MEDIA_ROOT = tmp_path
    parties = [sd.party(i) for i in sd.institutions(3, prefix="Träger")]
    agreement = sd.new_agreement(parties)
    sd.write_sections(agreement)
    FlowPlan.objects.filter(agreement=agreement).update(recommendation=LONG_STEP * 3, situation=LONG_STEP[:200])
    ConferenceRules.objects.filter(agreement=agreement).update(frequency="", participants="")
    pdf = tmp_path / "vorschau.pdf"
    pdf.write_bytes(ContractRenderer(agreement, draft=True).render()[2])
    counts = _line_counts(pdf)
    texts = pages(pdf)
    signatures = next(i for i, text in enumerate(texts) if "Mit ihrer Unterschrift erkennen die Partner" in text)
    # Between the title page and the page before the signatures (which begin a new page) every page is full.
    assert all(count >= 25 for count in counts[1 : signatures - 1]), counts


def _between(text: str, start: str, end: str) -> str:
    return text[text.index(start) : text.index(end)]


def test_tables_are_not_hyphenated(small):
    """Communication paths and flow plans: columns sized by content, whole words ("Handlungsempfehlung")."""
    text = full_text(small.frozen)
    for start, end in (("§ 6 ", "§ 7 "), ("§ 8 ", "§ 9 ")):
        table = _between(text, start, end)
        assert "\u2010" not in table, table
        assert "\u00ad" not in table, table
    assert "Handlungsempfehlung" in _between(text, "§ 8 ", "§ 9 ")


def test_flow_plan_columns_are_sized_by_their_content(small):
    """Not four equal quarters: the short Arbeitsfeld column is narrower than the long Handlungsempfehlung."""
    output = sd.tool("pdftotext", "-bbox", small.frozen, "-")
    word = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="[\d.]+">([^<]*)</word>')
    heads = ("Arbeitsfeld", "Ausgangssituation", "Handlungsempfehlung", "Ziel")
    for page in output.split("<page ")[1:]:
        words = [(float(x), float(y), text) for x, y, text in word.findall(page)]
        rows = {y for _x, y, text in words if text == "Handlungsempfehlung"}
        if not rows:
            continue
        row = rows.pop()
        starts = {text: x for x, y, text in words if abs(y - row) < 1 and text in heads}
        break
    else:
        pytest.fail("no flow plan table header found")
    widths = [starts[b] - starts[a] for a, b in itertools.pairwise(heads)]
    assert widths[0] < widths[2] - 20, widths  # Arbeitsfeld narrower than Handlungsempfehlung
    assert max(widths) - min(widths) > 20, widths


def test_empty_conference_rules_and_term_fields_print_no_empty_labels(db, settings, tmp_path):
    """§ 9/§ 10 leave out what is not filled in rather than printing a label over nothing."""
    parties = [sd.party(i) for i in sd.institutions(2)]
    agreement = sd.new_agreement(parties)
    html = ContractRenderer(agreement, draft=True).render_html()
    chapter_9 = _between(html, "§ 9 ", "§ 10 ")
    for label in ("Anlass", "Häufigkeit", "Teilnehmende", "Ergebnisprotokoll"):
        assert f"<dt>{label}</dt>" not in chapter_9
    chapter_10 = html[html.index("§ 10 ") :]
    assert "<dt>Überprüfung</dt>" not in chapter_10
    assert "<dt>Fortlaufende Aufgaben des Kooperationsgremiums</dt>" not in chapter_10
    assert "<dt>Gültig ab</dt>" in chapter_10


def test_preview_is_marked_entwurf_on_every_page(contract):
    texts = pages(contract.preview)
    assert len(texts) == sd.page_count(contract.frozen)
    for number, text in enumerate(texts, start=1):
        flat = plain(text)
        if number == 1:  # no running header; the status table says it
            assert "Status Stand Revision Fingerabdruck Entwurf" in flat
        else:
            assert f"{contract.revision_label} · Entwurf" in flat, number
        assert f"Seite {number} von {len(texts)}" in flat, number
        assert f"Fingerabdruck {contract.fingerprint}" in flat, number


def test_draft_mark_runs_diagonally_across_every_preview_page(contract):
    marks = big_letters(contract.preview)
    assert len(marks) == sd.page_count(contract.preview)
    for number, letters in enumerate(marks, start=1):
        assert "".join(letter for _x, _y, letter in letters) == "ENTWURF", number
        xs = [x for x, _y, _letter in letters]
        ys = [y for _x, y, _letter in letters]
        # Left to right it rises steadily: a diagonal, not a line of text or a column.
        assert all(later < earlier for earlier, later in itertools.pairwise(ys)), number
        assert xs[-1] - xs[0] > 200, number
        assert ys[0] - ys[-1] > 150, number
    assert all(letters == [] for letters in big_letters(contract.frozen))


# Content ----------------------------------------------------------------------------------------------------------


def test_title_page_shows_title_partners_revision_status_and_stand(contract):
    first = plain(pages(contract.frozen)[0])
    assert "KOOPERATIONSVEREINBARUNG" in first
    assert contract.title in first
    for name in contract.institutions:
        assert name in first
    assert "Status Stand Revision Fingerabdruck" in first
    number = contract.revision_label.removeprefix("Revision ")
    assert f"Zur Unterzeichnung {contract.stand} {number} {contract.fingerprint}" in first


def test_sections_follow_the_agreements_order(contract):
    text = plain(full_text(contract.frozen))
    position = 0
    for heading in SECTIONS:
        found = text.find(heading, position)
        assert found > position, f"{heading} missing or out of order"
        position = found


def test_every_partner_and_every_basiskriterium_verbatim(contract):
    text = plain(full_text(contract.frozen))
    assert contract.criteria == sd.basiskriterien()
    for criterion in contract.criteria:
        assert criterion in text
    for name in contract.institutions:
        assert text.count(name) >= 3  # title page, § 1 and the signature block


def test_flow_plans_data_protection_and_term_are_in_the_contract(small):
    text = dehyphenated(full_text(small.frozen))
    for field in ("Arbeitsfeld Träger 01", "Arbeitsfeld Träger 02", "Arbeitsfeld Träger 03"):
        assert f"Eine Schwangere meldet sich ({field})." in text
    assert "Mit Einwilligung eine Hilfekonferenz vor der Geburt anregen." in text
    assert "Es gilt das Sozialgeheimnis nach § 35 SGB I." in text
    assert "Nicht weitergegeben wird: Therapieinhalte und Diagnosen." in text
    assert "Gültig ab 01.01.2027" in text
    assert "36 Monate (bis 31.12.2029)" in text
    assert "alle 12 Monate durch das Kooperationsgremium" in text
    assert "Kündigungsfrist 6 Monate" in text
    assert "Jährliche Überprüfung der Handhabung." in text


def test_german_typography_survives(small):
    text = full_text(small.frozen)
    assert sd.TYPOGRAPHY in dehyphenated(text) or sd.TYPOGRAPHY in plain(text)
    assert sd.PREAMBLE in plain(text)
    for word in ("„Kinderschutz“", "„auf Augenhöhe“", "Größe", "Maß", "Lindenbrück", "Überprüfung", "ä", "ö", "ü"):
        assert word in text


# Signature page ---------------------------------------------------------------------------------------------------


def _signature_pages(contract: Contract) -> list[tuple[int, str]]:
    texts = pages(contract.frozen, layout=True)
    start = next(i for i, text in enumerate(texts) if "Mit ihrer Unterschrift erkennen die Partner" in text)
    return [(number, plain(text)) for number, text in enumerate(texts, start=1)][start:]


def test_signature_page_has_one_complete_block_per_partner_never_split(contract):
    """Each institution's block (name, its Leitung, 'Ort, Datum', 'Unterschrift') sits on one page."""
    sheets = _signature_pages(contract)
    assert f"{contract.revision_label} (Fingerabdruck {contract.fingerprint}) als verbindlich an." in sheets[0][1]
    seen = []
    for _number, text in sheets:
        starts = sorted((text.find(name), name) for name in contract.institutions if name in text)
        for index, (at, name) in enumerate(starts):
            end = starts[index + 1][0] if index + 1 < len(starts) else len(text)
            block = text[at:end]
            signer = contract.signers[contract.institutions.index(name)]
            assert block.startswith(f"{name} {signer} Ort, Datum Unterschrift"), block
            seen.append(name)
    assert seen == contract.institutions


def test_twenty_partners_fill_several_signature_pages_and_one_title_page(large):
    sheets = _signature_pages(large)
    assert len(sheets) >= 3
    title_page = plain(pages(large.frozen)[0])
    assert all(name in title_page for name in large.institutions)
    assert large.fingerprint in title_page.split("Status Stand Revision Fingerabdruck", 1)[1]


def test_partner_without_a_signing_leitung_gets_blank_name_lines(db, settings, tmp_path):
    """No Leitung recorded yet: the block still has the institution and lines for name and function."""
    sd.require_tools("pdftotext")
    settings.MEDIA_ROOT = tmp_path
    parties = [sd.party(i) for i in sd.institutions(2)]
    agreement = sd.new_agreement(parties)
    extra = InstitutionFactory(name="Beratungsstelle ohne Leitung e. V.")
    set_partners(agreement, [p.institution for p in parties] + [extra], agreement.version)
    pdf = tmp_path / "vorschau.pdf"
    pdf.write_bytes(ContractRenderer(agreement, draft=False).render()[2])
    last = plain(pages(pdf, layout=True)[-1])
    assert f"{extra.name} Name, Funktion: ______________________________ Ort, Datum Unterschrift" in last


def test_many_partners_are_two_table_cells_on_the_title_page_not_css_columns():
    """CSS `columns` made WeasyPrint take twice as long for 20 partners; the title page reads down, then across."""
    assert _columns(list(range(8))) == [list(range(8))]
    assert _columns(list(range(21))) == [list(range(11)), list(range(11, 21))]
    stylesheet = (Path(settings.BASE_DIR) / "static/css/print-contract.css").read_text()
    assert not re.search(r"(^|[;{\s])columns\s*:", re.sub(r"/\*.*?\*/", "", stylesheet, flags=re.S))
