"""The access log of case data: every read and every write, who and when (SPEC 8, SGB VIII §§ 61–65).

Writes are logged by django-auditlog (registered in apps.py) with additional_data
{"case_id": …}; reads are ACCESS entries with the same key, written by the loaders in
conferences/access.py (`get_case_for(user, pk, read="…")` …) with the entries built
here, so no view can forget one. One query returns the whole log of a case
(conferences/queries/access_log.py reads it). Refused attempts are ACCESS entries marked
{"refused": "verweigert"}: kept apart from reads, shown in the same log.
Free texts are masked in the log: it records that a field changed, not the social
data itself.
"""

from __future__ import annotations

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connections, router, transaction

# Free-text fields whose content stays out of the audit log.
MASKED_FIELDS = {
    "Case": ["note"],
    "Consent": ["scope_note"],
    "Conference": ["situation", "needs_parents", "needs_child"],
    "CriterionCheck": ["text", "note"],
    "Task": ["what", "how", "with_whom", "status_note"],
    "Addendum": ["text"],
    "CaseAttachment": ["name", "description", "removal_reason"],
}


def mask_text(value: str) -> str:
    """Record the length of a changed text, not the text."""
    if value in ("", "None"):
        return ""
    return f"[{len(value)} Zeichen]"


REFUSED = "verweigert"


def access_entry(user, obj, case, what: str, institution=None, *, refused: bool = False, model=None, pk=None):
    """One ACCESS entry: who (actor), for which institution, which case, what was read, when (timestamp).

    A refused attempt is an ACCESS entry too, marked {"refused": "verweigert"}: it names the case
    but nothing was shown. `obj` may be None for refusals (then `model` and `pk` name the target).
    """
    model = model or type(obj)
    pk = obj.pk if obj is not None else pk
    data = {"case_id": case.pk, "case": case.code, "read": what}
    if institution is not None:
        data["institution_id"] = institution.pk
        data["institution"] = institution.name
    if refused:
        data["refused"] = REFUSED
    return LogEntry(
        content_type=ContentType.objects.get_for_model(model),
        object_pk=str(pk),
        object_id=pk,
        object_repr=str(obj) if obj is not None else case.code,
        action=LogEntry.Action.ACCESS,
        actor=user,
        additional_data=data,
    )


# Every column but the id, in model order: the one INSERT of write_entries.
_INSERT_FIELDS = [field for field in LogEntry._meta.concrete_fields if not field.primary_key]


def write_entries(entries) -> None:
    """Store access entries with one INSERT and nothing else.

    A page of case data logs its read on every request, so this is on the hot path: no
    transaction around a single statement (bulk_create opens one: BEGIN and COMMIT on SQLite),
    no RETURNING of the new ids (nobody reads them), no signals (bulk_create sends none either:
    the rows are exactly the ones built by access_entry). One statement is atomic by itself.
    """
    if not entries:
        return
    using = router.db_for_write(LogEntry)
    size = connections[using].ops.bulk_batch_size(_INSERT_FIELDS, entries) or len(entries)
    if len(entries) > size:
        # More rows than one statement takes: all of them or none, as bulk_create would.
        with transaction.atomic(using=using):
            for start in range(0, len(entries), size):
                LogEntry._base_manager._insert(entries[start : start + size], fields=_INSERT_FIELDS, using=using)
        return
    LogEntry._base_manager._insert(entries, fields=_INSERT_FIELDS, using=using)


def reads(case_id: int | None = None):
    """ACCESS entries that are reads (not refused attempts), optionally of one case."""
    # has_key, not a comparison: on a missing key a comparison is NULL and would drop every read.
    entries = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, additional_data__has_key="case_id").exclude(
        additional_data__has_key="refused"
    )
    return entries.filter(additional_data__case_id=case_id) if case_id is not None else entries


def refusals(case_id: int | None = None):
    entries = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, additional_data__refused=REFUSED)
    return entries.filter(additional_data__case_id=case_id) if case_id is not None else entries


def export_entry(user, institution, what: str) -> None:
    """Log an export of an institution's access log (no case_id: it is not a read of one case)."""
    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(institution),
        object_pk=str(institution.pk),
        object_id=institution.pk,
        object_repr=str(institution),
        action=LogEntry.Action.ACCESS,
        actor=user,
        additional_data={"read": what, "institution_id": institution.pk, "institution": institution.name},
    )
