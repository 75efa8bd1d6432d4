"""Reading the access log of a case: its entries and readable lines (written by conferences/audit.py)."""

from __future__ import annotations

from dataclasses import dataclass

from auditlog.models import LogEntry
from django.core.exceptions import FieldDoesNotExist

from kooperation.core.history import ACTIONS


def case_log(case):
    """Every logged read and write of the case, newest first."""
    return LogEntry.objects.filter(additional_data__case_id=case.pk).select_related("actor", "content_type")


@dataclass
class LogLine:
    timestamp: object
    actor: object
    action: str
    what: str
    read: str
    fields: list[str]


def log_lines(entries) -> list[LogLine]:
    """Readable lines: who, when, which action on what, and which fields changed (never their values)."""
    lines = []
    for entry in entries:
        model = entry.content_type.model_class()
        verbose = model._meta.verbose_name if model else entry.content_type.model
        fields = []
        for name in (entry.changes_dict or {}) if entry.action == LogEntry.Action.UPDATE else ():
            try:
                fields.append(str(model._meta.get_field(name).verbose_name))
            except (AttributeError, FieldDoesNotExist):
                fields.append(name)
        lines.append(
            LogLine(
                timestamp=entry.timestamp,
                actor=entry.actor,
                action=str(ACTIONS.get(entry.action, "")),
                what=f"{verbose}: {entry.object_repr}",
                read=(entry.additional_data or {}).get("read", ""),
                fields=fields,
            )
        )
    return lines
