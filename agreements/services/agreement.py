"""Creating agreements, changing partners, and copying a revision into the next."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements.models import (
    Agreement,
    CatalogueEntry,
    CatalogueKind,
    CommunicationPath,
    ConferenceRules,
    Criterion,
    DataProtection,
    DataSharingRule,
    FlowPlan,
    Goal,
    Indicator,
    Partner,
    Responsibility,
    Status,
    TargetGroup,
    Term,
)
from agreements.services.errors import DomainError
from kooperation.concurrency import claim_version

logger = logging.getLogger(__name__)

ROW_MODELS = (TargetGroup, Criterion, Responsibility, CommunicationPath, DataSharingRule, FlowPlan)
SINGLE_MODELS = (DataProtection, ConferenceRules, Term)


@transaction.atomic
def create_agreement(user, *, title, preamble, coordinating_institution, institutions) -> Agreement:
    """Create an agreement in Entwurf with its partners and the catalogue's Basiskriterien."""
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
        [Criterion(agreement=agreement, text=entry.text, position=i) for i, entry in enumerate(criteria)]
    )
    for model in SINGLE_MODELS:
        model.objects.create(agreement=agreement)
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
        partner.delete()
    next_position = max((p.position for p in current.values()), default=-1) + 1
    for offset, institution in enumerate(sorted(added, key=lambda i: i.name)):
        Partner.objects.create(agreement=agreement, institution=institution, position=next_position + offset)
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
        revision=source.revision + 1,
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
    for model in ROW_MODELS:
        for row in model.objects.filter(agreement=source):
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
    logger.info("agreement %s amended into %s by user %s", source.pk, copy.pk, user.pk)
    return copy
