"""Building a working structure for tests: people per institution, a valid staffing, a written text."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from agreements.models import (
    Agreement,
    AnswerStatus,
    CommunicationPath,
    ConferenceRules,
    DataProtection,
    DataSharingRule,
    FlowPlan,
    Goal,
    Indicator,
    Reflection,
    Responsibility,
    Subgroup,
    SubgroupAnswer,
    SubgroupScope,
    TargetGroup,
    Term,
)
from agreements.queries.structure import Structure
from agreements.services import lifecycle
from agreements.services import structure as service
from kooperation.network.models import Role
from tests.factories import MembershipFactory, UserFactory


def person(institution, role: str = Role.MITGLIED, **kwargs):
    """A new user holding `role` in `institution`."""
    return MembershipFactory(institution=institution, role=role, user=UserFactory(**kwargs)).user


def version(agreement: Agreement) -> int:
    """The agreement's saved version (what a freshly loaded form would carry)."""
    return Agreement.objects.values_list("version", flat=True).get(pk=agreement.pk)


def staff(agreement: Agreement, creator, scope: str = SubgroupScope.INSTITUTION) -> Structure:
    """Make the structure valid: each field's first person in the Vorbereitungsgruppe, every person of each
    partner in the Kooperationsgremium and in its institution's (or field's) subgroup with all questions."""
    structure = Structure(agreement)
    service.set_prep_group(
        agreement,
        {f: structure.users_of(structure.institutions_of_field(f.pk))[0] for f in structure.fields},
        version(agreement),
    )
    service.set_board(
        agreement, {p.institution: structure.people[p.institution_id] for p in structure.partners}, version(agreement)
    )
    service.create_subgroups(agreement, scope, creator)
    for subgroup in Subgroup.objects.filter(agreement=agreement).select_related("institution", "arbeitsfeld"):
        service.update_subgroup(
            subgroup,
            name=subgroup.name,
            members=structure.users_of(structure.subgroup_institutions(subgroup)),
            questions=list(agreement.guiding_questions.all()),
            expected_version=subgroup.version,
        )
    return Structure(Agreement.objects.get(pk=agreement.pk))


def start_work(agreement: Agreement, coordinator) -> Agreement:
    """Staff the structure and take the agreement into In Erarbeitung."""
    staff(agreement, coordinator)
    return lifecycle.perform(coordinator, Agreement.objects.get(pk=agreement.pk), "start_work")


def submit_everything(agreement: Agreement) -> None:
    """Every subgroup answer and every partner's internal clarification written and handed over."""
    now = timezone.now()
    for answer in SubgroupAnswer.objects.filter(subgroup__agreement=agreement).select_related("subgroup"):
        answer.text = f"Antwort der {answer.subgroup.name}"
        answer.status, answer.submitted_at = AnswerStatus.SUBMITTED, now
        answer.save()
    Reflection.objects.filter(partner__agreement=agreement).update(
        text="Weil Familien davon profitieren.", status=AnswerStatus.SUBMITTED, submitted_at=now
    )


def fill_sections(agreement: Agreement) -> Agreement:
    """Write all nine sections so that each is complete (the catalogue already gave the Basiskriterien)."""
    partners = list(agreement.partners.select_related("institution__arbeitsfeld"))
    TargetGroup.objects.create(agreement=agreement, name="Schwangere mit Suchtproblematik", position=0)
    goal = Goal.objects.create(agreement=agreement, text="Basisversorgung der Kinder sichern", position=0)
    Indicator.objects.create(goal=goal, text="Alle Basiskriterien in jeder Hilfekonferenz geprüft", position=0)
    for position, partner in enumerate(partners):
        Responsibility.objects.create(
            agreement=agreement, institution=partner.institution, role="Beratung", tasks="Beraten", position=position
        )
    CommunicationPath.objects.create(
        agreement=agreement, subject="Fallverlauf", between="alle", channel="Telefon", frequency="monatlich"
    )
    DataSharingRule.objects.create(agreement=agreement, information="Termine", between="alle", position=0)
    fields = {p.institution.arbeitsfeld_id: p.institution.arbeitsfeld for p in partners}
    for position, field in enumerate(fields.values()):
        FlowPlan.objects.create(
            agreement=agreement,
            arbeitsfeld=field,
            situation="Eine Schwangere meldet sich",
            recommendation="Hilfekonferenz anregen",
            goal="Frühe Anbindung",
            position=position,
        )
    DataProtection.objects.filter(agreement=agreement).update(
        principles="Es gilt das Sozialgeheimnis.", not_shared="Diagnosen", target_group_info="Über jeden Austausch"
    )
    ConferenceRules.objects.filter(agreement=agreement).update(
        occasion="Geburt", frequency="vierteljährlich", participants="alle und die Eltern", protocol_distribution="alle"
    )
    Term.objects.filter(agreement=agreement).update(
        valid_from=date(2027, 1, 1), duration_months=24, review_interval_months=12, board_duties="Überprüfen"
    )
    return agreement


def ready_for_approval(agreement: Agreement, coordinator) -> Agreement:
    """In Erarbeitung with a valid structure, all answers handed over and every section complete."""
    agreement = start_work(agreement, coordinator)
    submit_everything(agreement)
    fill_sections(agreement)
    return agreement
