"""Demo agreements for seed_demo, modelled on the seeds' example (Drogenhilfe, Jugendhilfe, Klinik)."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from agreements.models import (
    Agreement,
    AnswerStatus,
    CommunicationPath,
    DataSharingRule,
    Decision,
    Deputy,
    FlowPlan,
    Goal,
    Indicator,
    Partner,
    Reflection,
    Responsibility,
    SignatureMethod,
    Subgroup,
    SubgroupAnswer,
    SubgroupScope,
    TargetGroup,
)
from agreements.queries import quality as quality_logic
from agreements.queries.structure import REFLECTION_FIELDS
from agreements.services import agreement as agreement_service
from agreements.services import contract, lifecycle, quality, signing, structure, validity
from kooperation.network.models import Institution

MAIN_TITLE = "Kooperationsvereinbarung Drogenhilfe, Jugendhilfe und medizinische Versorgung"
DRAFT_TITLE = "Kooperationsvereinbarung Übergang Schule – Beruf"
APPROVAL_TITLE = "Kooperationsvereinbarung Substitution und Elternschaft"
IN_FORCE_TITLE = "Kooperationsvereinbarung Frühe Hilfen für Familien mit Suchtbelastung"
SIGNING_TITLE = "Kooperationsvereinbarung Hilfekonferenzen rund um die Geburt"
REVIEW_TITLE = "Kooperationsvereinbarung Nachsorge nach der Entbindung"
SIGNED_TITLE = "Kooperationsvereinbarung Familienhebammen im Wochenbett"
DISCARDED_TITLE = "Kooperationsvereinbarung Ferienbetreuung (verworfen)"


def seed_agreements(institutions: dict[str, Institution], users, suffix: str = "") -> None:
    """Create the demo agreements once (idempotent by title); `users(local)` finds a demo account."""
    coordinator = users("koordination")
    main_title = f"{MAIN_TITLE}{suffix}"
    if not Agreement.objects.filter(title=main_title).exists():
        agreement = _main_agreement(main_title, institutions, coordinator)
        _staff(agreement, institutions, users, answer_all=False)
        lifecycle.perform(coordinator, agreement, "start_work")
        _answer(agreement, institutions, users, everything=False)
        # Said once: the Jugendamt's partner page starts from its handed-over internal clarification.
        Partner.objects.filter(agreement=agreement, institution=institutions["Jugendamt"]).update(
            contribution="", expectations=""
        )
    approval_title = f"{APPROVAL_TITLE}{suffix}"
    if not Agreement.objects.filter(title=approval_title).exists():
        _approval_round(approval_title, institutions, users)
    in_force_title = f"{IN_FORCE_TITLE}{suffix}"
    if not Agreement.objects.filter(title=in_force_title).exists():
        # In force since the first of this month (a later start would be "Unterzeichnet – gültig ab").
        agreement = _signed(
            in_force_title,
            institutions,
            users,
            signers=["leitung", "leitung.drobe", "leitung.klinikum"],
            valid_from=timezone.localdate().replace(day=1),
        )
        amendment = validity.start_amendment(coordinator, agreement)
        amendment.preamble += " Mit dieser Änderung kommen die Familienhebammen als Ansprechpartnerinnen hinzu."
        amendment.save(update_fields=["preamble"])
    signing_title = f"{SIGNING_TITLE}{suffix}"
    if not Agreement.objects.filter(title=signing_title).exists():
        _signed(signing_title, institutions, users, signers=["leitung", "leitung.drobe"])
    review_title = f"{REVIEW_TITLE}{suffix}"
    if not Agreement.objects.filter(title=review_title).exists():
        today = timezone.localdate()
        _signed(
            review_title,
            institutions,
            users,
            signers=["leitung", "leitung.drobe", "leitung.klinikum"],
            valid_from=today.replace(year=today.year - 1, day=1),
        )
        validity.daily(today)
        _quality_dialogues(Agreement.objects.get(title=review_title), institutions, users)
    signed_title = f"{SIGNED_TITLE}{suffix}"
    if not Agreement.objects.filter(title=signed_title).exists():
        # Signed by all, valid from 01.01.2027: "Unterzeichnet – gültig ab" until the daily job.
        _signed(signed_title, institutions, users, signers=["leitung", "leitung.drobe", "leitung.klinikum"])
    discarded_title = f"{DISCARDED_TITLE}{suffix}"
    if not Agreement.objects.filter(title=discarded_title).exists():
        discarded = agreement_service.create_agreement(
            coordinator,
            title=discarded_title,
            preamble="Ein gemeinsames Ferienangebot für Kinder aus belasteten Familien.",
            coordinating_institution=institutions["Jugendamt"],
            institutions=[institutions["DroBe"]],
        )
        lifecycle.perform(
            coordinator, discarded, "discard", "Das Angebot übernimmt der Kreis; eine eigene Vereinbarung entfällt."
        )
    _deputy(institutions, users)
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


def _deputy(inst: dict[str, Institution], users) -> None:
    """Dr. Petra Lange (Leitung Jugendamt) is represented by Aylin Demir for two weeks from today."""
    leitung, deputy = users("leitung"), users("fachkraft.jugendamt")
    if Deputy.objects.filter(user=deputy, institution=inst["Jugendamt"]).exists():
        return
    today = timezone.localdate()
    signing.name_deputy(
        leitung,
        inst["Jugendamt"],
        deputy,
        function="stellv. Amtsleitung",
        valid_from=today,
        valid_until=today + timedelta(days=14),
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
    return agreement


def _staff(agreement: Agreement, inst, users, answer_all: bool) -> None:
    """Vorbereitungsgruppe, Kooperationsgremium and one subgroup per partner, as seed 002 describes."""
    youth, drugs, clinic = inst["Jugendamt"], inst["DroBe"], inst["Klinikum"]
    structure.set_prep_group(
        agreement,
        {
            youth.arbeitsfeld: users("koordination"),
            drugs.arbeitsfeld: users("mitglied"),
            clinic.arbeitsfeld: users("koordination.klinikum"),
        },
        Agreement.objects.get(pk=agreement.pk).version,
    )
    structure.set_board(
        agreement,
        {
            youth: [users("koordination")],
            drugs: [users("mitglied"), users("koordination.drobe")],
            clinic: [users("koordination.klinikum")],
        },
        Agreement.objects.get(pk=agreement.pk).version,
    )
    structure.create_subgroups(agreement, SubgroupScope.INSTITUTION, users("koordination"))
    members = {
        youth.pk: ["fachkraft.jugendamt", "koordination"],
        drugs.pk: ["mitglied", "fachkraft"],
        clinic.pk: ["koordination.klinikum", "fachkraft.klinikum"],
    }
    for subgroup in Subgroup.objects.filter(agreement=agreement):
        structure.update_subgroup(
            subgroup,
            name=subgroup.name,
            members=[users(local) for local in members[subgroup.institution_id]],
            questions=list(subgroup.questions.all()),
            expected_version=subgroup.version,
        )


ANSWERS = {
    "Jugendamt": "Wir begegnen Müttern und Vätern mit Suchtproblematik mit Respekt und ohne Vorverurteilung; "
    "entscheidend ist, ob die Basisversorgung des Kindes gesichert ist.",
    "DroBe": "Unsere Klientinnen brauchen die Sicherheit, dass eine Zusammenarbeit mit dem Jugendamt nicht "
    "automatisch eine Herausnahme des Kindes bedeutet; wir informieren offen und nur mit Einwilligung.",
    "Klinikum": "Für uns ist eine frühe Information vor der Entbindung wichtig, damit die Entlassplanung "
    "gemeinsam gelingt.",
}


def _short_names(inst: dict[str, Institution]) -> dict[int, str]:
    """Institution id → the short name of the first copy ("Jugendamt", also for "Jugendamt 2")."""
    return {institution.pk: short for short, institution in inst.items()}


def _answer(agreement: Agreement, inst, users, everything: bool) -> None:
    """Submitted answers: all of them, or all of the Jugendamt and the first three of the others."""
    now = timezone.now()
    short_names = _short_names(inst)
    changed = []  # written in one statement: demo data needs no per-answer history
    for subgroup in Subgroup.objects.filter(agreement=agreement).select_related("institution"):
        short = short_names[subgroup.institution_id]
        answers = list(SubgroupAnswer.objects.filter(subgroup=subgroup).select_related("question"))
        for i, answer in enumerate(answers):
            answer.text = f"{ANSWERS.get(short, '')} ({answer.question.text[:40]} …)"
            if everything or short == "Jugendamt" or i < 3:
                answer.status, answer.submitted_at = AnswerStatus.SUBMITTED, now
            changed.append(answer)
    SubgroupAnswer.objects.bulk_update(changed, ["text", "status", "submitted_at"])
    reflections = []
    fields = {question.casefold(): name for question, name in REFLECTION_FIELDS.items()}
    for partner in Partner.objects.filter(agreement=agreement).select_related("institution"):
        short = short_names[partner.institution_id]
        for reflection in Reflection.objects.filter(partner=partner):
            # "Was können wir einbringen?" / "Was wünschen wir uns?": what the partner page then shows.
            own = getattr(partner, fields.get(reflection.question.strip().casefold(), ""), "")
            reflection.text = own or f"{partner.institution.short_name}: {ANSWERS.get(short, '')}"
            if everything or short == "Jugendamt":
                reflection.status, reflection.submitted_at = AnswerStatus.SUBMITTED, now
            reflections.append(reflection)
    Reflection.objects.bulk_update(reflections, ["text", "status", "submitted_at"])


def _signed(title: str, inst, users, signers: list[str], valid_from=None) -> Agreement:
    """Through the whole walk-through to the frozen contract, signed by the given Leitung accounts."""
    coordinator = users("koordination")
    agreement = _main_agreement(title, inst, coordinator)
    if valid_from:
        agreement.term.valid_from = valid_from
        agreement.term.save()
    _staff(agreement, inst, users, answer_all=True)
    lifecycle.perform(coordinator, agreement, "start_work")
    _answer(agreement, inst, users, everything=True)
    lifecycle.perform(coordinator, agreement, "start_approval")
    for institution, representative in (
        (inst["Jugendamt"], "koordination"),
        (inst["DroBe"], "mitglied"),
        (inst["Klinikum"], "koordination.klinikum"),
    ):
        structure.decide(users(representative), agreement, institution.pk, Decision.APPROVED, "")
    lifecycle.perform(coordinator, agreement, "release_for_signing")
    contract.ensure_contract(agreement.pk)
    places = {"leitung": "Lindenbrück", "leitung.drobe": "Lindenbrück", "leitung.klinikum": "Lindenbrück"}
    by_account = {"leitung": inst["Jugendamt"], "leitung.drobe": inst["DroBe"], "leitung.klinikum": inst["Klinikum"]}
    for local in signers:
        signing.record_signature(
            users(local),
            agreement,
            by_account[local],
            signed_on=timezone.localdate(),
            place=places[local],
            method=SignatureMethod.IN_APP,
        )
    return Agreement.objects.get(pk=agreement.pk)


def _approval_round(title: str, inst, users) -> Agreement:
    """A complete structure, all answers submitted; round 1 returned by the Klinikum, round 2 running."""
    coordinator = users("koordination")
    agreement = _main_agreement(title, inst, coordinator)
    _staff(agreement, inst, users, answer_all=True)
    lifecycle.perform(coordinator, agreement, "start_work")
    _answer(agreement, inst, users, everything=True)
    youth, drugs, clinic = inst["Jugendamt"], inst["DroBe"], inst["Klinikum"]
    lifecycle.perform(coordinator, agreement, "start_approval")
    structure.decide(users("koordination"), agreement, youth.pk, Decision.APPROVED, "")
    structure.decide(
        users("koordination.klinikum"),
        agreement,
        clinic.pk,
        Decision.RETURNED,
        "Bitte im Ablaufplan der Klinik ergänzen, wer den Sozialdienst vor der Entbindung informiert.",
    )
    plan = FlowPlan.objects.get(agreement=agreement, arbeitsfeld=clinic.arbeitsfeld)
    plan.recommendation += " Die Drogenberatung informiert den Sozialdienst der Klinik spätestens in der 30. SSW."
    plan.save()
    lifecycle.perform(coordinator, agreement, "start_approval")
    structure.decide(users("koordination"), agreement, youth.pk, Decision.APPROVED, "")
    structure.decide(users("mitglied"), agreement, drugs.pk, Decision.APPROVED, "")
    return agreement


# Self-assessments per year and partner: levels for the four dimensions, conditions not fully met.
QUALITY = {
    -1: {
        "Jugendamt": ([3, 2, 3, 2], {"e": "teilweise", "g": "nicht_erfuellt"}),
        "DroBe": ([2, 2, 2, 2], {"e": "nicht_erfuellt", "f": "teilweise", "i": "teilweise"}),
        "Klinikum": ([2, 3, 2, 1], {"e": "teilweise", "g": "nicht_erfuellt"}),
    },
    0: {
        "Jugendamt": ([4, 3, 4, 3], {"g": "teilweise"}),
        "DroBe": ([3, 3, 2, 3], {"f": "teilweise", "i": "teilweise"}),
        "Klinikum": ([4, 3, 4, 4], {}),
    },
}


def _quality_dialogues(agreement: Agreement, inst, users) -> None:
    """Two years of quality dialogues with differing self-assessments (seed 004)."""
    coordinator = users("koordination")
    representative = {"Jugendamt": "koordination", "DroBe": "mitglied", "Klinikum": "koordination.klinikum"}
    dims = quality_logic.dimensions()
    conditions = quality_logic.conditions()
    this_year = timezone.localdate().year
    short_names = _short_names(inst)
    for offset, by_partner in QUALITY.items():
        dialogue = quality.open_dialogue(coordinator, agreement, this_year + offset)
        for assessment in dialogue.assessments.select_related("institution"):
            short = short_names[assessment.institution_id]
            levels, states = by_partner[short]
            data = {
                "comment": f"Einschätzung {assessment.institution.short_name} {dialogue.year}",
                "levels": list(zip(dims, levels, strict=False)),
                "conditions": [(c, states.get(c.label, "erfuellt"), "") for c in conditions],
            }
            quality.save_assessment(users(representative[short]), assessment, data, assessment.version, submit=True)
