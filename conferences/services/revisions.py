"""When an amendment comes into force, the work under the old revision moves along to the new one.

Connected to agreements.signals.revision_in_force in ConferencesConfig.ready() (agreements never imports
conferences). Cases (with their conferences and tasks) and planned Sitzungen move to the new revision; the
auditlog entry of each move is the note in their history. Conferences not yet finalised check the new
revision's Basiskriterien from then on; finalised protocols keep what they checked.
"""

from __future__ import annotations

import logging

from django.db.models import Max

from agreements.models import Agreement, Criterion
from conferences.models import Case, Conference, CriterionCheck, Meeting

logger = logging.getLogger(__name__)


def carry_over(sender, *, agreement: Agreement, predecessor: Agreement, **kwargs) -> dict[str, int]:
    """Move open work from `predecessor` to `agreement` (the revision now in force)."""
    cases = list(Case.objects.filter(agreement=predecessor))
    for case in cases:  # saved one by one so each case's history shows the move
        case.agreement = agreement
        case.save(update_fields=["agreement", "updated_at"])
    meetings = list(Meeting.objects.filter(agreement=predecessor, finalised_at__isnull=True))
    for meeting in meetings:
        meeting.agreement = agreement
        meeting.save(update_fields=["agreement"])
    conferences = list(Conference.objects.filter(case__in=cases, finalised_at__isnull=True))
    _new_criteria(conferences, agreement)
    logger.info(
        "revision %s in force: %d cases, %d meetings, %d open conferences moved from %s",
        agreement.pk,
        len(cases),
        len(meetings),
        len(conferences),
        predecessor.pk,
    )
    return {"cases": len(cases), "meetings": len(meetings), "conferences": len(conferences)}


def _new_criteria(conferences: list[Conference], agreement: Agreement) -> None:
    """Open protocols check the new Basiskriterien: same text keeps its rating, new ones are added."""
    criteria = list(Criterion.objects.filter(agreement=agreement).order_by("position", "pk"))
    by_text = {c.text: c for c in criteria}
    for conference in conferences:
        checks = list(CriterionCheck.objects.filter(conference=conference))
        covered = set()
        for check in checks:
            match = by_text.get(check.text)
            if match is not None:
                check.criterion = match
                check.save(update_fields=["criterion"])
                covered.add(match.pk)
        start = (CriterionCheck.objects.filter(conference=conference).aggregate(m=Max("position"))["m"] or 0) + 1
        for offset, criterion in enumerate(c for c in criteria if c.pk not in covered):
            CriterionCheck.objects.create(
                conference=conference, criterion=criterion, text=criterion.text, position=start + offset
            )
