"""Auskunft (Art. 15 DSGVO) for a case: what is stored, who read or changed it when, which consents covered it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Count, Q

from conferences.models import Case, TaskStatus
from conferences.queries.access_log import LogLine, case_log, log_lines


@dataclass
class Disclosure:
    case: Case
    participations: list
    team: list
    consents: list
    conferences: list
    tasks_total: int
    tasks_open: int
    scans: int
    lines: list[LogLine]
    delete_after: datetime | None


def delete_after(case: Case) -> datetime | None:
    """When the deletion period of a closed case ends (None while open)."""
    if case.closed_at is None:
        return None
    try:
        return case.closed_at.replace(year=case.closed_at.year + settings.RETENTION_CASE_YEARS)
    except ValueError:
        return case.closed_at.replace(year=case.closed_at.year + settings.RETENTION_CASE_YEARS, day=28)


def disclosure_of(case: Case) -> Disclosure:
    """Everything stored about the case, from the loader's prefetched rows plus three queries."""
    tasks = case.tasks.aggregate(total=Count("pk"), open=Count("pk", filter=Q(status=TaskStatus.OFFEN)))
    consents = list(case.consents.all())
    return Disclosure(
        case=case,
        participations=list(case.participations.all()),
        team=list(case.team_members.all()),
        consents=consents,
        conferences=list(case.conferences.order_by("date", "start_time", "pk")),
        tasks_total=tasks["total"],
        tasks_open=tasks["open"],
        scans=sum(1 for c in consents if c.document),
        lines=log_lines(case_log(case).order_by("timestamp", "pk")),
        delete_after=delete_after(case),
    )
