"""Starting an agreement from something: a Vorlage of Administration, or a copy of an existing agreement."""

from __future__ import annotations

import logging

from django.db import transaction

from agreements.models import Agreement, AgreementTemplate, Goal, GuidingQuestion, TargetGroup
from agreements.services.agreement import copy_text, create_agreement

logger = logging.getLogger(__name__)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


@transaction.atomic
def create_from_template(
    user, template: AgreementTemplate, *, title, preamble, coordinating_institution, institutions
) -> Agreement:
    """A new agreement with the template's prefilled sections and its chosen Leitfragen (none chosen: all)."""
    questions = list(template.questions.order_by("kind", "position")) or None
    agreement = create_agreement(
        user,
        title=title,
        preamble=preamble or template.preamble,
        coordinating_institution=coordinating_institution,
        institutions=institutions,
        questions=questions,
    )
    TargetGroup.objects.bulk_create(
        [
            TargetGroup(agreement=agreement, name=name[:200], position=i)
            for i, name in enumerate(_lines(template.target_groups))
        ]
    )
    for i, text in enumerate(_lines(template.goals)):
        Goal.objects.create(agreement=agreement, text=text, position=i)
    logger.info("agreement %s created from template %s by user %s", agreement.pk, template.pk, user.pk)
    return agreement


@transaction.atomic
def copy_agreement(user, source: Agreement, *, title, preamble, coordinating_institution, institutions) -> Agreement:
    """A new agreement (Entwurf, Revision 0) with the text and the Leitfragen of another one.

    Signatures, status history, comments, Anlagen and the subgroups' work stay with the original.
    """
    agreement = create_agreement(
        user,
        title=title,
        preamble=preamble or source.preamble,
        coordinating_institution=coordinating_institution,
        institutions=institutions,
        questions=[],
    )
    copy_text(source, agreement, replace=True)
    GuidingQuestion.objects.bulk_create(
        [
            GuidingQuestion(agreement=agreement, kind=q.kind, text=q.text, section=q.section, position=q.position)
            for q in GuidingQuestion.objects.filter(agreement=source)
        ]
    )
    logger.info("agreement %s copied from %s by user %s", agreement.pk, source.pk, user.pk)
    return agreement
