"""Building agreements for the contract and signing tests: approved by all partners, frozen, signed.

The steps follow agreements/demo.py (`_signed`): staff the structure, hand over every
answer, write every section, run the approval round, release for signing, sign.
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from django.apps import apps
from django.utils import timezone

from agreements.models import (
    Agreement,
    AnswerStatus,
    CommunicationPath,
    ConferenceRules,
    DataProtection,
    DataSharingRule,
    Decision,
    FlowPlan,
    FrozenContract,
    Goal,
    Indicator,
    Reflection,
    Responsibility,
    SignatureMethod,
    Subgroup,
    SubgroupAnswer,
    SubgroupScope,
    TargetGroup,
    Term,
)
from agreements.services import lifecycle, signing, validity
from agreements.services import structure as structure_service
from agreements.services.agreement import create_agreement
from agreements.services.contract import ensure_contract
from kooperation.network.models import Institution, Leader, Role
from tests.factories import ArbeitsfeldFactory, InstitutionFactory, LeaderFactory, MembershipFactory, UserFactory

# German typography that must survive into the PDF's text layer (umlauts, „quotes“, ß, dash).
TYPOGRAPHY = "Die Partner verstehen „Kinderschutz“ als gemeinsame Aufgabe – Größe, Maß und Übergänge zählen."
PREAMBLE = "Gemeinsam für Familien in Lindenbrück: früh, verlässlich und „auf Augenhöhe“."


def load_catalogues() -> None:
    """The default catalogues (a live-server test may have flushed what the migration loaded)."""
    importlib.import_module("agreements.migrations.0002_default_catalogues").load_catalogues(apps, None)


def basiskriterien() -> list[str]:
    return list(importlib.import_module("agreements.migrations.0002_default_catalogues").BASISKRITERIEN)


@dataclass
class Party:
    """A partner institution with its Koordination (board seat) and its signing Leitung."""

    institution: Institution
    koordination: object
    leitung: object
    leader: Leader


def party(institution: Institution, *, koordination=None, leitung=None, leader_name: str = "") -> Party:
    """Give an institution a Koordination and a Leitung account; the Leitung is its signatory."""
    if koordination is None:
        koordination = MembershipFactory(
            institution=institution, role=Role.KOORDINATION, user=UserFactory(first_name="Konrad")
        ).user
    if leitung is None:
        leitung = MembershipFactory(
            institution=institution, role=Role.LEITUNG, user=UserFactory(first_name="Lore")
        ).user
    leader = LeaderFactory(
        institution=institution,
        name=leader_name or f"Dr. {leitung.first_name} {leitung.last_name}",
        function="Geschäftsführung",
        user=leitung,
    )
    return Party(institution=institution, koordination=koordination, leitung=leitung, leader=leader)


def institutions(count: int, prefix: str = "Partnerträger") -> list[Institution]:
    """`count` institutions, each in its own Arbeitsfeld."""
    return [
        InstitutionFactory(
            name=f"{prefix} {n:02d} Erziehungshilfe Südstadt gGmbH",
            short_name=f"P{n:02d}",
            arbeitsfeld=ArbeitsfeldFactory(name=f"Arbeitsfeld {prefix} {n:02d}", position=n),
            street=f"Hauptstraße {n}",
            postal_code="12341",
        )
        for n in range(1, count + 1)
    ]


def new_agreement(parties: list[Party], title: str = "Kooperationsvereinbarung Früher Übergänge") -> Agreement:
    """An agreement in Entwurf, coordinated by the first party's institution."""
    load_catalogues()
    return create_agreement(
        parties[0].koordination,
        title=title,
        preamble=PREAMBLE,
        coordinating_institution=parties[0].institution,
        institutions=[p.institution for p in parties[1:]],
    )


def _version(agreement: Agreement) -> int:
    return Agreement.objects.values_list("version", flat=True).get(pk=agreement.pk)


def staff(agreement: Agreement, parties: list[Party]) -> None:
    """Each party's Koordination in the Vorbereitungsgruppe (first per field), the board and its subgroup."""
    by_institution = {p.institution.pk: p for p in parties}
    prep = {}
    for partner in agreement.partners.select_related("institution__arbeitsfeld"):
        prep.setdefault(partner.institution.arbeitsfeld, by_institution[partner.institution_id].koordination)
    structure_service.set_prep_group(agreement, prep, _version(agreement))
    structure_service.set_board(agreement, {p.institution: [p.koordination] for p in parties}, _version(agreement))
    structure_service.create_subgroups(agreement, SubgroupScope.INSTITUTION, parties[0].koordination)
    for subgroup in Subgroup.objects.filter(agreement=agreement):
        structure_service.update_subgroup(
            subgroup,
            name=subgroup.name,
            members=[by_institution[subgroup.institution_id].koordination],
            questions=list(agreement.guiding_questions.all()),
            expected_version=subgroup.version,
        )


def hand_over_everything(agreement: Agreement) -> None:
    now = timezone.now()
    SubgroupAnswer.objects.filter(subgroup__agreement=agreement).update(
        text="Wir arbeiten verlässlich zusammen.", status=AnswerStatus.SUBMITTED, submitted_at=now
    )
    Reflection.objects.filter(partner__agreement=agreement).update(
        text="Weil Familien davon profitieren.", status=AnswerStatus.SUBMITTED, submitted_at=now
    )


def write_sections(agreement: Agreement, valid_from: date = date(2027, 1, 1)) -> None:
    """Every section complete; the term runs 36 months from `valid_from`, reviewed every 12 months."""
    partners = list(agreement.partners.select_related("institution__arbeitsfeld"))
    TargetGroup.objects.create(
        agreement=agreement, name="Schwangere mit Suchtproblematik", description=TYPOGRAPHY, position=0
    )
    goal = Goal.objects.create(agreement=agreement, text="Die Basisversorgung der Kinder ist gesichert.", position=0)
    Indicator.objects.create(goal=goal, text="In jeder Hilfekonferenz sind alle Basiskriterien geprüft.", position=0)
    Responsibility.objects.bulk_create(
        [
            Responsibility(
                agreement=agreement,
                institution=p.institution,
                role="Fallverantwortung" if n == 0 else "Beratung",
                tasks="Lädt zur Hilfekonferenz ein und übernimmt verbindliche Aufgaben.",
                position=n,
            )
            for n, p in enumerate(partners)
        ]
    )
    CommunicationPath.objects.create(
        agreement=agreement, subject="Fallverlauf", between="alle Beteiligten", channel="Telefon", frequency="monatlich"
    )
    DataSharingRule.objects.create(
        agreement=agreement, information="Termine und Absprachen", between="alle Partner", position=0
    )
    fields = {p.institution.arbeitsfeld_id: p.institution.arbeitsfeld for p in partners}
    FlowPlan.objects.bulk_create(
        [
            FlowPlan(
                agreement=agreement,
                arbeitsfeld=field,
                situation=f"Eine Schwangere meldet sich ({field.name}).",
                recommendation="Mit Einwilligung eine Hilfekonferenz vor der Geburt anregen.",
                goal="Frühe Anbindung an das Hilfesystem.",
                position=n,
            )
            for n, field in enumerate(fields.values())
        ]
    )
    DataProtection.objects.filter(agreement=agreement).update(
        principles="Es gilt das Sozialgeheimnis nach § 35 SGB I.",
        not_shared="Therapieinhalte und Diagnosen.",
        target_group_info="Die Eltern erfahren vor jeder Weitergabe, was an wen geht.",
    )
    ConferenceRules.objects.filter(agreement=agreement).update(
        occasion="Bei Bekanntwerden einer Schwangerschaft.",
        frequency="vierteljährlich",
        participants="alle Beteiligten und die Eltern",
        protocol_distribution="an alle innerhalb einer Woche",
    )
    Term.objects.filter(agreement=agreement).update(
        valid_from=valid_from,
        duration_months=36,
        review_interval_months=12,
        notice_period_months=6,
        board_duties="Jährliche Überprüfung der Handhabung.",
    )


def in_approval(agreement: Agreement, parties: list[Party]) -> Agreement:
    """Structure valid, text complete, approval round open; nobody has decided yet."""
    staff(agreement, parties)
    lifecycle.perform(parties[0].koordination, Agreement.objects.get(pk=agreement.pk), "start_work")
    hand_over_everything(agreement)
    write_sections(agreement)
    return lifecycle.perform(parties[0].koordination, Agreement.objects.get(pk=agreement.pk), "start_approval")


def approve(agreement: Agreement, parties: list[Party]) -> Agreement:
    for p in parties:
        structure_service.decide(p.koordination, agreement, p.institution.pk, Decision.APPROVED, "")
    return Agreement.objects.get(pk=agreement.pk)


def approved(parties: list[Party], **kwargs) -> Agreement:
    """An agreement every partner has approved: ready for 'Zur Unterzeichnung freigeben'."""
    agreement = new_agreement(parties, **kwargs)
    return approve(in_approval(agreement, parties), parties)


def release(agreement: Agreement, coordinator) -> FrozenContract:
    """Freeze the revision and render the contract (as the on_commit hook does after the commit)."""
    lifecycle.perform(coordinator, agreement, "release_for_signing")
    return ensure_contract(agreement.pk)


def sign(agreement: Agreement, p: Party, **kwargs) -> None:
    options = {"signed_on": timezone.localdate(), "place": "Lindenbrück", "method": SignatureMethod.IN_APP}
    options.update(kwargs)
    signing.record_signature(p.leitung, Agreement.objects.get(pk=agreement.pk), p.institution, **options)


def sign_all(agreement: Agreement, parties: list[Party]) -> Agreement:
    for p in parties:
        sign(agreement, p)
    return Agreement.objects.get(pk=agreement.pk)


def take_effect(agreement: Agreement) -> Agreement:
    """Run the daily job on the start date: a signed revision ("Unterzeichnet – gültig ab") comes into force."""
    agreement = Agreement.objects.get(pk=agreement.pk)
    if agreement.in_force_from and agreement.in_force_from > timezone.localdate():
        validity.daily(today=agreement.in_force_from)
    return Agreement.objects.get(pk=agreement.pk)


def stored_bytes(agreement: Agreement) -> bytes:
    contract = FrozenContract.objects.get(agreement=agreement)
    with contract.file.open("rb") as handle:
        return handle.read()


def require_tools(*names: str) -> None:
    """Skip without the PDF tools locally; under CI a missing tool is a failure, never a skip."""
    missing = [name for name in names if shutil.which(name) is None]
    if not missing:
        return
    message = f"missing command line tools: {', '.join(missing)} (install poppler-utils and qpdf)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}; the PDF checks must run in CI.", pytrace=False)
    pytest.skip(message)


def tool(*command) -> str:
    """Run a poppler/qpdf command line tool and return its standard output; fail on an error exit."""
    command = [str(part) for part in command]
    # Fixed tool names from the tests and paths the test created; no shell.
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)  # noqa: S603
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(command)} failed ({result.returncode}): {result.stderr}{result.stdout}")
    return result.stdout


def page_text(pdf: Path, number: int) -> str:
    """The text of one page (pdftotext -f k -l k)."""
    return tool("pdftotext", "-f", number, "-l", number, "-layout", pdf, "-")


def page_count(pdf: Path) -> int:
    for line in tool("pdfinfo", pdf).splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    raise AssertionError("pdfinfo shows no page count")
