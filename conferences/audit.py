"""The access log of case data: every read and every write, who and when (SPEC 8, SGB VIII §§ 61–65).

Writes are logged by django-auditlog (registered in apps.py) with additional_data
{"case_id": …}; reads are logged here as ACCESS entries with the same key, so one
query returns the whole log of a case. Free texts are masked in the log: it records
that a field changed, not the social data itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.db.models.expressions import RawSQL

from kooperation.core.history import ACTIONS

# Free-text fields whose content stays out of the audit log.
MASKED_FIELDS = {
    "Case": ["note"],
    "Consent": ["scope_note"],
    "Conference": ["situation", "needs_parents", "needs_child"],
    "CriterionCheck": ["text", "note"],
    "Task": ["what", "how", "with_whom", "status_note"],
    "Addendum": ["text"],
}


def mask_text(value: str) -> str:
    """Record the length of a changed text, not the text."""
    if value in ("", "None"):
        return ""
    return f"[{len(value)} Zeichen]"


def log_read(user, obj, case_id: int, what: str = "") -> None:
    """Record that the user read an object of a case."""
    log_reads(user, [(obj, case_id)], what)


def log_reads(user, objects, what: str = "") -> None:
    """Record reads of several objects in one query: `objects` is a list of (object, case_id)."""
    if not objects:
        return
    entries = []
    for obj, case_id in objects:
        entries.append(
            LogEntry(
                content_type=ContentType.objects.get_for_model(obj),
                object_pk=str(obj.pk),
                object_id=obj.pk,
                object_repr=str(obj),
                action=LogEntry.Action.ACCESS,
                actor=user,
                additional_data={"case_id": case_id, "read": what} if what else {"case_id": case_id},
            )
        )
    LogEntry.objects.bulk_create(entries)


def case_log(case):
    """Every logged read and write of the case, newest first (uses the index of migration 0002)."""
    entries = LogEntry.objects.select_related("actor", "content_type")
    if connection.vendor == "sqlite":
        # Django puts the JSON path in a parameter there, which no expression index matches: spell it out.
        key = RawSQL("json_extract(auditlog_logentry.additional_data, '$.case_id')", ())
        return entries.alias(case_key=key).filter(case_key=case.pk)
    return entries.filter(additional_data__case_id=case.pk)


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
