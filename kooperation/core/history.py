"""Turn auditlog entries into readable German history rows (Verlauf)."""

from __future__ import annotations

from dataclasses import dataclass

from auditlog.models import LogEntry
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

ACTIONS = {
    LogEntry.Action.CREATE: gettext_lazy("angelegt"),
    LogEntry.Action.UPDATE: gettext_lazy("geändert"),
    LogEntry.Action.DELETE: gettext_lazy("gelöscht"),
    LogEntry.Action.ACCESS: gettext_lazy("gelesen"),
}


@dataclass
class Change:
    field: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    timestamp: object
    actor: object
    action: str
    what: str
    changes: list[Change]


def _blank(value) -> bool:
    return value in (None, "", "None")


def history_entries(entries) -> list[HistoryEntry]:
    """Render entries; foreign keys are resolved in one query per related model."""
    entries = list(entries)
    wanted: dict[type[models.Model], set[str]] = {}
    for entry in entries:
        model = entry.content_type.model_class()
        for name, values in (entry.changes_dict or {}).items():
            field = _field(model, name)
            if isinstance(field, models.ForeignKey) and field.concrete:
                wanted.setdefault(field.related_model, set()).update(v for v in values if not _blank(v))
    names = {
        related: {str(obj.pk): str(obj) for obj in related._default_manager.filter(pk__in=pks)}
        for related, pks in wanted.items()
    }
    result = []
    for entry in entries:
        model = entry.content_type.model_class()
        changes = []
        for name, (old, new) in (entry.changes_dict or {}).items():
            field = _field(model, name)
            if field is None or not field.concrete or name in ("id", "agreement", "goal", "version"):
                continue
            changes.append(Change(str(field.verbose_name), _show(field, old, names), _show(field, new, names)))
        verbose = model._meta.verbose_name if model else entry.content_type.model
        result.append(
            HistoryEntry(
                timestamp=entry.timestamp,
                actor=entry.actor,
                action=ACTIONS.get(entry.action, ""),
                what=f"{verbose}: {entry.object_repr}",
                changes=changes,
            )
        )
    return result


def _field(model, name: str):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _show(field, value, names) -> str:
    if _blank(value):
        return "–"
    if isinstance(field, models.ForeignKey):
        return names.get(field.related_model, {}).get(str(value), str(value))
    if isinstance(field, models.BooleanField):
        return _("ja") if value in ("True", True) else _("nein")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)
