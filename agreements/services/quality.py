"""Opening the yearly quality dialogue and saving self-assessments."""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements import permissions as perms
from agreements.models import (
    AssessmentStatus,
    BoardMember,
    ConditionRating,
    DimensionRating,
    QualityDialogue,
    SelfAssessment,
)
from kooperation.core.concurrency import claim_version
from kooperation.core.errors import DomainError
from kooperation.core.mail import NotificationKind, notify

logger = logging.getLogger(__name__)


def open_dialogue(user, agreement, year: int) -> QualityDialogue:
    """Koordination opens the year's dialogue; every partner gets an empty self-assessment."""
    if not perms.is_partner_coordinator(user, agreement):
        raise DomainError(_("Den Qualitätsdialog eröffnet die Koordination einer Partnerinstitution."))
    try:
        with transaction.atomic():
            dialogue = QualityDialogue.objects.create(agreement=agreement, year=year, opened_by=user)
            SelfAssessment.objects.bulk_create(
                [SelfAssessment(dialogue=dialogue, institution_id=p.institution_id) for p in agreement.partners.all()]
            )
            board = [b.user for b in BoardMember.objects.filter(agreement=agreement).select_related("user")]
            notify(
                board,
                _("Qualitätsdialog %(year)s: Ihre Selbsteinschätzung") % {"year": year},
                _(
                    "Der jährliche Qualitätsdialog ist eröffnet. "
                    "Bitte schätzen Sie die Kooperation für Ihre Institution ein."
                ),
                reverse("quality_dialogue", args=[dialogue.pk]),
                kind=NotificationKind.QUALITY,
            )
    except IntegrityError:
        raise DomainError(_("Für %(year)s gibt es bereits einen Qualitätsdialog.") % {"year": year}) from None
    logger.info("quality dialogue %s opened for agreement %s", dialogue.pk, agreement.pk)
    return dialogue


@transaction.atomic
def save_assessment(user, assessment: SelfAssessment, data: dict, expected_version: int, submit: bool) -> None:
    """Store the levels, the conditions and the comment; with submit the assessment is final."""
    decision = perms.can_assess(user, assessment)
    if not decision:
        raise DomainError(decision.reason)
    claim_version(assessment, expected_version)
    assessment.comment = data["comment"]
    DimensionRating.objects.filter(assessment=assessment).delete()
    DimensionRating.objects.bulk_create(
        [DimensionRating(assessment=assessment, dimension=d, level=level) for d, level in data["levels"] if level]
    )
    ConditionRating.objects.filter(assessment=assessment).delete()
    ConditionRating.objects.bulk_create(
        [
            ConditionRating(assessment=assessment, label=c.label, text=c.text, state=state, note=note)
            for c, state, note in data["conditions"]
            if state
        ]
    )
    fields = ["comment", "version"]
    if submit:
        assessment.status = AssessmentStatus.SUBMITTED
        assessment.submitted_by = user
        assessment.submitted_at = timezone.now()
        fields += ["status", "submitted_by", "submitted_at"]
    assessment.save(update_fields=fields)
