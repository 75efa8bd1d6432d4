"""Demo agreements for seed_demo, modelled on the seeds' example (Drogenhilfe, Jugendhilfe, Klinik)."""

from __future__ import annotations

from datetime import date

from agreements.models import (
    Agreement,
    CommunicationPath,
    DataSharingRule,
    FlowPlan,
    Goal,
    Indicator,
    Institution,
    Responsibility,
    TargetGroup,
)
from agreements.services import agreement as agreement_service
from agreements.services import lifecycle

MAIN_TITLE = "Kooperationsvereinbarung Drogenhilfe, Jugendhilfe und medizinische Versorgung"
DRAFT_TITLE = "Kooperationsvereinbarung Übergang Schule – Beruf"


def seed_agreements(institutions: dict[str, Institution], coordinator, suffix: str = "") -> None:
    """Create the demo agreements once (idempotent by title)."""
    main_title = f"{MAIN_TITLE}{suffix}"
    if not Agreement.objects.filter(title=main_title).exists():
        _main_agreement(main_title, institutions, coordinator)
    draft_title = f"{DRAFT_TITLE}{suffix}"
    if not Agreement.objects.filter(title=draft_title).exists():
        agreement_service.create_agreement(
            coordinator,
            title=draft_title,
            preamble="Schule, Jugendberufsagentur und Jugendamt wollen junge Menschen gemeinsam beim Übergang "
            "in Ausbildung und Beruf unterstützen.",
            coordinating_institution=institutions["Jugendamt"],
            institutions=[institutions["GE Lindenpark"], institutions["JBA"]],
        )


def _main_agreement(title: str, inst: dict[str, Institution], coordinator) -> Agreement:
    youth, drugs, clinic = inst["Jugendamt"], inst["DroBe"], inst["Klinikum"]
    agreement = agreement_service.create_agreement(
        coordinator,
        title=title,
        preamble=(
            "Die Partner wollen drogenabhängige Frauen, Schwangere und Eltern mit Kindern frühzeitig und "
            "abgestimmt unterstützen. Kooperation ist gemeinsam vereinbartes Handeln, zu dem alle Beteiligten "
            "bereit sind; diese Vereinbarung gibt den Absprachen einen offiziellen Charakter."
        ),
        coordinating_institution=youth,
        institutions=[drugs, clinic],
    )
    contributions = {
        youth.pk: (
            "Hilfeplanung, Hilfen zur Erziehung und den Schutzauftrag nach § 8a SGB VIII.",
            "Frühzeitige Information, wenn eine Schwangere mit Suchtproblematik bekannt wird (mit Einwilligung).",
        ),
        drugs.pk: (
            "Suchtberatung, psychosoziale Begleitung der Substitution und die Elterngruppe.",
            "Verlässliche Ansprechpartner/innen im Jugendamt und Beteiligung an Hilfekonferenzen.",
        ),
        clinic.pk: (
            "Geburtshilfe, Neonatologie und den Sozialdienst für das Entlassmanagement.",
            "Rechtzeitige Absprachen vor der Entbindung und eine gemeinsame Entlassplanung.",
        ),
    }
    for partner in agreement.partners.all():
        partner.contribution, partner.expectations = contributions[partner.institution_id]
        partner.save()
    for i, (name, text) in enumerate(
        [
            ("Drogenabhängige schwangere Frauen", "auch in Substitutionsbehandlung"),
            ("Mütter und Väter mit einer Suchtmittelbelastung", "mit Kindern bis zum vollendeten 6. Lebensjahr"),
        ]
    ):
        TargetGroup.objects.create(agreement=agreement, name=name, description=text, position=i)
    goals = [
        (
            "Kinder drogenabhängiger Eltern wachsen sicher auf; ihre Basisversorgung ist gesichert.",
            [
                "In jeder Hilfekonferenz sind alle Basiskriterien geprüft.",
                "Keine Inobhutnahme ohne vorherige Hilfekonferenz.",
            ],
        ),
        (
            "Schwangere mit Suchtproblematik sind vor der Geburt an das Hilfesystem angebunden.",
            ["80 % der bekannten Schwangeren haben vor der Entbindung eine Hilfekonferenz."],
        ),
    ]
    for i, (text, indicators) in enumerate(goals):
        goal = Goal.objects.create(agreement=agreement, text=text, position=i)
        for j, indicator in enumerate(indicators):
            Indicator.objects.create(goal=goal, text=indicator, position=j)
    roles = [
        (
            youth,
            "Fallverantwortung",
            "Lädt zur Hilfekonferenz ein, moderiert sie und verschickt das Ergebnisprotokoll.",
        ),
        (
            drugs,
            "Suchtberatung",
            "Begleitet die Eltern, bringt den Stand der Substitution ein, motiviert zur Teilnahme.",
        ),
        (
            clinic,
            "Medizinische Versorgung",
            "Informiert über Schwangerschaftsverlauf und Entzugssymptome des Neugeborenen.",
        ),
    ]
    for i, (institution, role, tasks) in enumerate(roles):
        Responsibility.objects.create(agreement=agreement, institution=institution, role=role, tasks=tasks, position=i)
    CommunicationPath.objects.create(
        agreement=agreement,
        subject="Fallbezogener Austausch",
        between="alle im Fall beteiligten Fachkräfte",
        channel="Hilfekonferenz",
        frequency="mindestens alle drei Monate",
        position=0,
    )
    CommunicationPath.objects.create(
        agreement=agreement,
        subject="Bericht über die Umsetzung",
        between="Kooperationsgremium",
        channel="schriftlicher Jahresbericht",
        frequency="jährlich",
        position=1,
    )
    DataSharingRule.objects.create(
        agreement=agreement,
        information="Stand der Substitution und Beikonsum",
        between="Drogenhilfe → Jugendamt",
        basis="einwilligung",
        position=0,
    )
    DataSharingRule.objects.create(
        agreement=agreement,
        information="Gewichtige Anhaltspunkte für eine Kindeswohlgefährdung",
        between="alle Partner → Jugendamt",
        basis="gesetz",
        legal_reference="§ 8a SGB VIII, § 4 KKG",
        position=1,
    )
    dp = agreement.data_protection
    dp.principles = (
        "Die gesetzlichen Datenschutzbestimmungen gelten gleichermaßen für alle Mitarbeitenden aller Partner."
    )
    dp.not_shared = "Therapieinhalte und Informationen über Dritte werden nicht weitergegeben."
    dp.target_group_info = "Die Eltern erfahren vor jeder Weitergabe, welche Information an wen geht, und können ihre Einwilligung widerrufen."
    dp.save()
    plans = [
        (
            drugs,
            "Eine substituierte Klientin teilt mit, dass sie schwanger ist.",
            "Mit ihrer Einwilligung Kontakt zur Klinik und zum Jugendamt herstellen; Hilfekonferenz vor der Geburt anregen.",
            "Frühe Anbindung an das Hilfesystem.",
        ),
        (
            youth,
            "Das Jugendamt erfährt von einem Säugling mit Entzugssymptomen.",
            "Innerhalb einer Woche zur Hilfekonferenz mit Klinik und Drogenhilfe einladen.",
            "Gemeinsame Einschätzung der Basisversorgung vor der Entlassung.",
        ),
        (
            clinic,
            "Eine Schwangere in Substitution meldet sich zur Geburt an.",
            "Sozialdienst informiert über Kooperationsvereinbarung und bittet um Schweigepflichtentbindung.",
            "Abgestimmte Entlassplanung.",
        ),
    ]
    for i, (institution, situation, recommendation, goal) in enumerate(plans):
        FlowPlan.objects.create(
            agreement=agreement,
            arbeitsfeld=institution.arbeitsfeld,
            situation=situation,
            recommendation=recommendation,
            goal=goal,
            position=i,
        )
    rules = agreement.conference_rules
    rules.occasion = "Bei Bekanntwerden einer Schwangerschaft oder eines Kindes in einer suchtbelasteten Familie."
    rules.frequency = "mindestens vierteljährlich, möglichst auch ohne negativen Anlass"
    rules.participants = "alle im Fall beteiligten Fachkräfte und selbstverständlich die Mütter/Eltern"
    rules.protocol_distribution = "Ergebnisprotokoll an alle Beteiligten innerhalb einer Woche"
    rules.save()
    term = agreement.term
    term.valid_from = date(2027, 1, 1)
    term.duration_months = 36
    term.review_interval_months = 12
    term.notice_period_months = 6
    term.board_duties = "Jährliche Überprüfung der Handhabung; Anpassung bei Umsetzungsproblemen."
    term.save()
    lifecycle.perform(coordinator, agreement, "start_work")
    return agreement
