"""The access log of case data: every read and every write, who and when (SPEC 8, SGB VIII §§ 61–65).

Writes are logged by django-auditlog (registered in apps.py) with additional_data
{"case_id": …}; reads are logged here as ACCESS entries with the same key, so one
query returns the whole log of a case (conferences/queries/access_log.py reads it).
Free texts are masked in the log: it records that a field changed, not the social
data itself.
"""

from __future__ import annotations

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

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
