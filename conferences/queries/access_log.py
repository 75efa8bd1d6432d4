"""Reading the access log of a case: its entries and readable lines (written by conferences/audit.py)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from io import StringIO

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.db.models import IntegerField, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from conferences.audit import REFUSED
from kooperation.core.history import ACTIONS
from kooperation.core.paging import count_subquery

# What log_lines reads of an entry and its actor (the name): not the serialized object, the text form of the
# changes, the address, nor the actor's password hash — less to fetch and convert per line.
LINE_FIELDS = (
    "content_type",
    "object_repr",
    "action",
    "changes",
    "timestamp",
    "additional_data",
    "actor",
    "actor__first_name",
    "actor__last_name",
    "actor__email",
)


def case_log(case):
    """Every logged read and write of the case, newest first (uses the index of migration 0004)."""
    # The content types come from Django's per-process cache (log_lines), not from a join per entry.
    entries = LogEntry.objects.select_related("actor").only(*LINE_FIELDS)
    if connection.vendor == "sqlite":
        # Django puts the JSON path in a parameter there, which no expression index matches: spell it out.
        key = RawSQL("json_extract(auditlog_logentry.additional_data, '$.case_id')", ())
        return entries.alias(case_key=key).filter(case_key=case.pk)
    return entries.filter(additional_data__case_id=case.pk)


def case_log_total(case):
    """The number of entries of `case_log(case)`, as a scalar subquery (answered from the index alone)."""
    if connection.vendor == "sqlite":
        # case_log's RawSQL names the table, which a subquery aliases: the count spells out its own.
        return RawSQL(
            "SELECT COUNT(*) FROM auditlog_logentry AS counted"
            " WHERE json_extract(counted.additional_data, '$.case_id') = %s",
            (case.pk,),
            output_field=IntegerField(),
        )
    return count_subquery(LogEntry.objects.filter(additional_data__case_id=case.pk))


@dataclass
class LogLine:
    timestamp: object
    when: str  # the timestamp as the page shows it, in the current time zone
    actor: object
    action: str
    what: str
    read: str
    fields: list[str]
    institution: str = ""
    case: str = ""
    refused: bool = False


def log_lines(entries, codes: dict | None = None) -> list[LogLine]:
    """Readable lines: who, when, which action on what, and which fields changed (never their values).

    `codes` maps case ids to codes for entries that carry only the id (auditlog's change entries).
    """
    codes = codes or {}
    lines = []
    # Translated once per page, not per line: the log shows few kinds of object and action.
    kinds: dict = {}
    actions = {key: str(label) for key, label in ACTIONS.items()}
    for entry in entries:
        kind = kinds.get(entry.content_type_id)
        if kind is None:
            content_type = ContentType.objects.get_for_id(entry.content_type_id)
            model = content_type.model_class()
            kind = kinds[entry.content_type_id] = (
                model,
                str(model._meta.verbose_name) if model else content_type.model,
            )
        model, verbose = kind
        data = entry.additional_data or {}
        fields = []
        for name in (entry.changes_dict or {}) if entry.action == LogEntry.Action.UPDATE else ():
            try:
                fields.append(str(model._meta.get_field(name).verbose_name))
            except (AttributeError, FieldDoesNotExist):
                fields.append(name)
        lines.append(
            LogLine(
                timestamp=entry.timestamp,
                # As the template filter date:"d.m.Y H:i:s" writes it (no names of days or months), once per line.
                when=timezone.localtime(entry.timestamp).strftime("%d.%m.%Y %H:%M:%S"),
                actor=entry.actor,
                action=actions.get(entry.action, ""),
                what=f"{verbose}: {entry.object_repr}",
                read=data.get("read", ""),
                fields=fields,
                institution=data.get("institution", ""),
                case=data.get("case") or codes.get(data.get("case_id"), ""),
                refused=data.get("refused") == REFUSED,
            )
        )
    return lines


def institution_log(institution, start, end):
    """Entries of a period concerning an institution: its staff's reads and everything on the cases it owns."""
    owned = list(institution.owned_cases.values_list("pk", flat=True))
    return (
        LogEntry.objects.filter(additional_data__has_key="case_id")
        .filter(Q(additional_data__institution_id=institution.pk) | Q(additional_data__case_id__in=owned))
        .filter(timestamp__date__gte=start, timestamp__date__lte=end)
        .select_related("actor")
        .only(*LINE_FIELDS)
        .order_by("timestamp", "pk")
    )


CSV_HEADER = ["Zeitpunkt", "Person", "Institution", "Fall", "Aktion", "Was", "gelesen", "geänderte Felder", "Status"]


def log_csv(lines) -> str:
    """The access log as CSV (semicolon-separated, as German spreadsheets expect); no content, only fields."""
    out = StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(CSV_HEADER)
    for line in lines:
        writer.writerow(
            [
                line.when,
                str(line.actor) if line.actor else "System",
                line.institution,
                line.case,
                line.action,
                line.what,
                line.read,
                ", ".join(line.fields),
                "verweigert" if line.refused else "",
            ]
        )
    return out.getvalue()
