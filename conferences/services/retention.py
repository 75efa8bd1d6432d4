"""Deletion periods (Löschfristen): closed cases and old access-log entries go when their period ends.

Content first, then a minimal, content-free record in the Löschprotokoll (DeletionRecord):
what kind, which case code, when, under which rule. Deleted means deleted: the rows, the
auditlog change entries of the case (their masked fields still say which fields held what
kind of content), and the stored consent scans through the storage API. A case under a
legal hold (Löschsperre) is kept until the hold is lifted. Periods come from settings
(KOOPERATION_RETENTION_CASE_YEARS, KOOPERATION_RETENTION_ACCESS_LOG_YEARS).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from auditlog.context import disable_auditlog
from auditlog.models import LogEntry
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from conferences.models import (
    Addendum,
    Case,
    CaseAttachment,
    Conference,
    Consent,
    DeletionKind,
    DeletionRecord,
    Task,
)

logger = logging.getLogger(__name__)


def years_before(moment: datetime, years: int) -> datetime:
    """The same moment `years` earlier (29 February becomes 28 February)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


def case_rule() -> str:
    return f"KOOPERATION_RETENTION_CASE_YEARS={settings.RETENTION_CASE_YEARS} (Jahre nach Abschluss)"


def access_log_rule() -> str:
    return f"KOOPERATION_RETENTION_ACCESS_LOG_YEARS={settings.RETENTION_ACCESS_LOG_YEARS} (Jahre nach dem Zugriff)"


@dataclass
class RetentionRun:
    """What a run deleted (or, dry, would delete)."""

    cases: list[str] = field(default_factory=list)
    files: int = 0
    access_entries: int = 0
    held: list[str] = field(default_factory=list)


def cases_due(now: datetime | None = None):
    now = now or timezone.now()
    return Case.objects.due_for_deletion(years_before(now, settings.RETENTION_CASE_YEARS)).order_by("closed_at", "pk")


def access_entries_due(now: datetime | None = None):
    """ACCESS entries (reads and refused attempts) older than their period."""
    now = now or timezone.now()
    cutoff = years_before(now, settings.RETENTION_ACCESS_LOG_YEARS)
    return LogEntry.objects.filter(
        action=LogEntry.Action.ACCESS, additional_data__has_key="case_id", timestamp__lt=cutoff
    )


def delete_case(case: Case) -> int:
    """Delete a case with everything of it; return the number of files removed from storage."""
    storage = Consent._meta.get_field("document").storage
    with transaction.atomic(), disable_auditlog():
        files = [c.document.name for c in Consent.objects.filter(case=case) if c.document]
        files += [a.file.name for a in CaseAttachment.objects.filter(case=case) if a.file]
        CaseAttachment.objects.filter(case=case).delete()
        Task.objects.filter(case=case).delete()
        Addendum.objects.filter(conference__case=case).delete()
        Conference.objects.filter(case=case).delete()
        Consent.objects.filter(case=case).delete()
        code, pk = case.code, case.pk
        case.delete()
        # The change history of the case: without the case it documents nothing but content.
        LogEntry.objects.filter(additional_data__case_id=pk).exclude(action=LogEntry.Action.ACCESS).delete()
        DeletionRecord.objects.create(kind=DeletionKind.CASE, case_code=code, rule=case_rule())
        if files:
            DeletionRecord.objects.create(
                kind=DeletionKind.CONSENT_FILE, case_code=code, count=len(files), rule=case_rule()
            )
        # Files go once the rows are gone for good; a rolled-back deletion keeps them.
        transaction.on_commit(lambda: [storage.delete(name) for name in files])
    logger.info("case %s deleted after its retention period", pk)
    return len(files)


def run_retention(now: datetime | None = None, dry_run: bool = False) -> RetentionRun:
    """Delete what is past its period (dry: only report it)."""
    now = now or timezone.now()
    run = RetentionRun()
    due = list(cases_due(now))
    run.held = list(
        Case.objects.filter(
            closed_at__lt=years_before(now, settings.RETENTION_CASE_YEARS), legal_hold_at__isnull=False
        ).values_list("code", flat=True)
    )
    for case in due:
        run.cases.append(case.code)
        if dry_run:
            run.files += sum(1 for c in Consent.objects.filter(case=case) if c.document)
            run.files += CaseAttachment.objects.filter(case=case).exclude(file="").count()
        else:
            run.files += delete_case(case)
    entries = access_entries_due(now)
    if dry_run:
        run.access_entries = entries.count()
    else:
        with transaction.atomic():
            run.access_entries, _ = entries.delete()
            if run.access_entries:
                DeletionRecord.objects.create(
                    kind=DeletionKind.ACCESS_LOG, count=run.access_entries, rule=access_log_rule()
                )
    return run
