"""Creating agreements, changing partners, and copying a revision into the next."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements.models import (
    Agreement,
    BoardMember,
    CatalogueEntry,
    CatalogueKind,
    CommunicationPath,
    ConferenceRules,
    Criterion,
    DataProtection,
    DataSharingRule,
    FlowPlan,
    Goal,
    GuidingQuestion,
    Indicator,
    Partner,
    PrepGroupSeat,
    Reflection,
    Responsibility,
    Status,
    Subgroup,
    SubgroupAnswer,
    TargetGroup,
    Term,
)
from agreements.services import structure
from kooperation.core.concurrency import claim_version
from kooperation.core.errors import DomainError

logger = logging.getLogger(__name__)

ROW_MODELS = (TargetGroup, Criterion, Responsibility, CommunicationPath, DataSharingRule, FlowPlan)
SINGLE_MODELS = (DataProtection, ConferenceRules, Term)


@transaction.atomic
def create_agreement(user, *, title, preamble, coordinating_institution, institutions, questions=None) -> Agreement:
    """Create an agreement in Entwurf with its partners and the catalogue's Basiskriterien.

    `questions`: the catalogue's Leitfragen to copy (a template's choice); None copies all active ones.
    """
    agreement = Agreement.objects.create(
        title=title,
        preamble=preamble,
        coordinating_institution=coordinating_institution,
        created_by=user,
        stand=timezone.localdate(),
    )
    ordered = [coordinating_institution, *[i for i in institutions if i.pk != coordinating_institution.pk]]
    for position, institution in enumerate(ordered):
        Partner.objects.create(agreement=agreement, institution=institution, position=position)
    criteria = CatalogueEntry.objects.filter(kind=CatalogueKind.BASISKRITERIUM, is_active=True)
    Criterion.objects.bulk_create(
        [Criterion(agreement=agreement, text=entry.text, position=i) for i, entry in enumerate(criteria, start=1)]
    )
    for model in SINGLE_MODELS:
        model.objects.create(agreement=agreement)
    structure.copy_questions(agreement, questions)
    structure.create_reflections(agreement.partners.all())
    logger.info("agreement %s created by user %s", agreement.pk, user.pk)
    return agreement


@transaction.atomic
def set_partners(agreement: Agreement, institutions, expected_version: int) -> tuple[list, list]:
    """Add and remove partner institutions; the coordinating institution always stays."""
    if not agreement.is_editable:
        raise DomainError(_("Die Partner einer eingefrorenen Revision können nicht mehr geändert werden."))
    claim_version(agreement, expected_version)
    wanted = {i.pk: i for i in institutions}
    wanted.setdefault(agreement.coordinating_institution_id, agreement.coordinating_institution)
    current = {p.institution_id: p for p in agreement.partners.select_related("institution")}
    removed = [p for pk, p in current.items() if pk not in wanted]
    added = [i for pk, i in wanted.items() if pk not in current]
    for partner in removed:
        Responsibility.objects.filter(agreement=agreement, institution_id=partner.institution_id).delete()
        BoardMember.objects.filter(agreement=agreement, institution_id=partner.institution_id).delete()
        Subgroup.objects.filter(agreement=agreement, institution_id=partner.institution_id).delete()
        partner.delete()
    next_position = max((p.position for p in current.values()), default=-1) + 1
    new_partners = [
        Partner.objects.create(agreement=agreement, institution=institution, position=next_position + offset)
        for offset, institution in enumerate(sorted(added, key=lambda i: i.name))
    ]
    structure.create_reflections(new_partners)
    remaining_fields = {i.arbeitsfeld_id for i in wanted.values()}
    PrepGroupSeat.objects.filter(agreement=agreement).exclude(arbeitsfeld_id__in=remaining_fields).delete()
    Subgroup.objects.filter(agreement=agreement, institution=None).exclude(arbeitsfeld_id__in=remaining_fields).delete()
    agreement.touch()
    agreement._partner_institution_ids = None
    return [p.institution for p in removed], added


@transaction.atomic
def copy_revision(source: Agreement, user) -> Agreement:
    """Create the next revision as an editable copy of the whole text (an amendment)."""
    if source.successor_or_none() is not None:
        raise DomainError(_("Für diese Revision wurde bereits eine Änderung begonnen."))
    copy = Agreement.objects.create(
        title=source.title,
        preamble=source.preamble,
        coordinating_institution=source.coordinating_institution,
        status=Status.IN_ERARBEITUNG,
        # An abandoned amendment keeps its number; the next one counts on from the series' highest.
        revision=max(source.revisions().values_list("revision", flat=True), default=source.revision) + 1,
        stand=timezone.localdate(),
        series_root_id=source.series_id,
        predecessor=source,
        created_by=user,
    )
    for partner in source.partners.all():
        Partner.objects.create(
            agreement=copy,
            institution_id=partner.institution_id,
            contribution=partner.contribution,
            expectations=partner.expectations,
            position=partner.position,
        )
    copy_text(source, copy)
    _copy_structure(source, copy)
    logger.info("agreement %s amended into %s by user %s", source.pk, copy.pk, user.pk)
    return copy


def copy_text(source: Agreement, copy: Agreement, *, replace: bool = False) -> None:
    """Copy the text's rows (and the single sections) of one agreement into another.

    Responsibilities of institutions that are no partner of the copy are left out. With replace
    whatever the copy holds already (create_agreement's Basiskriterien and empty sections) goes first.
    """
    partner_ids = set(copy.partners.values_list("institution_id", flat=True))
    if replace:
        for model in (*ROW_MODELS, *SINGLE_MODELS, Goal):
            model.objects.filter(agreement=copy).delete()
    for model in ROW_MODELS:
        for row in model.objects.filter(agreement=source):
            if getattr(row, "institution_id", None) and row.institution_id not in partner_ids:
                continue
            row.pk = None
            row.id = None
            row._state.adding = True
            row.agreement = copy
            row.version = 1
            row.save()
    for goal in Goal.objects.filter(agreement=source).prefetch_related("indicators"):
        indicators = list(goal.indicators.all())
        goal.pk = goal.id = None
        goal._state.adding = True
        goal.agreement = copy
        goal.version = 1
        goal.save()
        Indicator.objects.bulk_create([Indicator(goal=goal, text=i.text, position=i.position) for i in indicators])
    for model in SINGLE_MODELS:
        single = model.objects.get(agreement=source)
        single.pk = single.id = None
        single._state.adding = True
        single.agreement = copy
        single.version = 1
        single.save()


def _copy_structure(source: Agreement, copy: Agreement) -> None:
    """Carry the working structure and the subgroups' answers over into the next revision."""
    questions = {}
    for question in GuidingQuestion.objects.filter(agreement=source):
        old_pk = question.pk
        question.pk = question.id = None
        question._state.adding = True
        question.agreement, question.version = copy, 1
        question.save()
        questions[old_pk] = question
    for seat in PrepGroupSeat.objects.filter(agreement=source):
        PrepGroupSeat.objects.create(agreement=copy, arbeitsfeld_id=seat.arbeitsfeld_id, user_id=seat.user_id)
    for member in BoardMember.objects.filter(agreement=source):
        BoardMember.objects.create(agreement=copy, institution_id=member.institution_id, user_id=member.user_id)
    for subgroup in Subgroup.objects.filter(agreement=source).prefetch_related("members", "answers"):
        new = Subgroup.objects.create(
            agreement=copy,
            name=subgroup.name,
            institution_id=subgroup.institution_id,
            arbeitsfeld_id=subgroup.arbeitsfeld_id,
        )
        new.members.set(subgroup.members.all())
        answers = list(subgroup.answers.all())
        new.questions.set([questions[a.question_id] for a in answers if a.question_id in questions])
        SubgroupAnswer.objects.bulk_create(
            [
                SubgroupAnswer(
                    subgroup=new,
                    question=questions[a.question_id],
                    text=a.text,
                    status=a.status,
                    submitted_at=a.submitted_at,
                    updated_by_id=a.updated_by_id,
                )
                for a in answers
                if a.question_id in questions
            ]
        )
    partners = {p.institution_id: p for p in copy.partners.all()}
    for reflection in Reflection.objects.filter(partner__agreement=source).select_related("partner"):
        Reflection.objects.create(
            partner=partners[reflection.partner.institution_id],
            question=reflection.question,
            position=reflection.position,
            text=reflection.text,
            status=reflection.status,
            submitted_at=reflection.submitted_at,
        )
