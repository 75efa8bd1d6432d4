"""The two table layouts (institutions, staff), reading an upload and writing CSV/XLSX with tablib."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import tablib
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
LIST_SEPARATOR = ";"  # several offers or roles in one cell


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    example: str = ""


INSTITUTION_COLUMNS = (
    Column("name", "Name", True, "Beratungsstelle Nord"),
    Column("short_name", "Kurzname", False, "BS Nord"),
    Column("arbeitsfeld", "Arbeitsfeld", True, "Jugendhilfe"),
    Column("street", "Straße", False, "Hauptstraße 1"),
    Column("postal_code", "PLZ", False, "12345"),
    Column("city", "Ort", False, "Teststadt"),
    Column("phone", "Telefon", False, "0123 45678"),
    Column("email", "E-Mail", False, "info@beratung-nord.example"),
    Column("website", "Website", False, "https://beratung-nord.example"),
    Column("description", "Kurzbeschreibung", False, "Beratung für Familien"),
    Column("contact_name", "Ansprechperson", False, "Maria Muster"),
    Column("contact_responsibility", "Zuständigkeit", False, "Erstgespräche"),
    Column("contact_phone", "Telefon Ansprechperson", False, "0123 45679"),
    Column("contact_email", "E-Mail Ansprechperson", False, "muster@beratung-nord.example"),
    Column("offers", "Angebote", False, "Erziehungsberatung; Elterngruppe"),
    Column("leader_name", "Leitung", False, "Dr. Paul Beispiel"),
    Column("leader_function", "Funktion Leitung", False, "Geschäftsführung"),
)

STAFF_COLUMNS = (
    Column("first_name", "Vorname", False, "Maria"),
    Column("last_name", "Nachname", False, "Muster"),
    Column("email", "E-Mail", True, "maria.muster@beratung-nord.example"),
    Column("institution", "Institution", True, "Beratungsstelle Nord"),
    Column("roles", "Rollen", True, "Koordination; Mitglied"),
)

KINDS = {
    "institutionen": (INSTITUTION_COLUMNS, gettext_lazy("Institutionen")),
    "personen": (STAFF_COLUMNS, gettext_lazy("Personen")),
}
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class UploadError(Exception):
    """The file cannot be read as a table of this kind (German message)."""


def columns_for(kind: str) -> tuple[Column, ...]:
    return KINDS[kind][0]


def _text(value) -> str:
    """A cell as trimmed text; numbers from spreadsheets lose a trailing .0; a quote against formulas is dropped."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if text[:2] in ("'=", "'+", "'-", "'@"):
        text = text[1:]
    return text


def _load(content: bytes, filename: str) -> tablib.Dataset:
    if filename.lower().endswith(".xlsx"):
        try:
            return tablib.Dataset().load(io.BytesIO(content), format="xlsx")
        except Exception as exc:  # openpyxl raises many kinds for broken files
            raise UploadError(
                _("Die Excel-Datei lässt sich nicht lesen. Bitte als .xlsx oder .csv speichern.")
            ) from exc
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    try:
        return tablib.Dataset().load(text, format="csv", delimiter=delimiter)
    except (csv.Error, tablib.InvalidDimensions) as exc:
        raise UploadError(
            _("Die CSV-Datei lässt sich nicht lesen: Die Zeilen haben unterschiedlich viele Spalten.")
        ) from exc


def read_upload(kind: str, upload) -> list[dict[str, str]]:
    """Read an uploaded CSV/XLSX into one dict per row (keys: column keys); raise UploadError with a German reason."""
    name = upload.name or ""
    if not name.lower().endswith((".csv", ".xlsx")):
        raise UploadError(_("Bitte eine Datei im Format .csv oder .xlsx hochladen."))
    if upload.size > MAX_UPLOAD_BYTES:
        raise UploadError(_("Die Datei ist größer als 2 MB. Bitte in mehrere Dateien aufteilen."))
    dataset = _load(upload.read(), name)
    by_header = {c.header.lower(): c for c in columns_for(kind)}
    headers = [_text(h).lower() for h in (dataset.headers or [])]
    missing = [c.header for c in columns_for(kind) if c.required and c.header.lower() not in headers]
    if missing:
        raise UploadError(
            _("Diese Spalten fehlen in der ersten Zeile: %(columns)s. Bitte die Vorlage verwenden.")
            % {"columns": ", ".join(missing)}
        )
    if dataset.height > MAX_ROWS:
        raise UploadError(_("Die Datei hat mehr als %(max)s Zeilen.") % {"max": MAX_ROWS})
    rows = []
    for raw in dataset:
        row = {c.key: "" for c in columns_for(kind)}
        for header, value in zip(headers, raw, strict=False):
            if header in by_header:
                row[by_header[header].key] = _text(value)
        if any(row.values()):
            rows.append(row)
    if not rows:
        raise UploadError(_("Die Datei enthält keine Datenzeilen."))
    return rows


def split_list(value: str) -> list[str]:
    return [part.strip() for part in value.replace("\n", LIST_SEPARATOR).split(LIST_SEPARATOR) if part.strip()]


def _safe(value: str) -> str:
    """A cell a spreadsheet will not run as a formula (phone numbers starting with + keep working on re-import)."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@") else value


def render(kind: str, rows: list[dict[str, str]], fmt: str) -> bytes:
    """The rows as CSV (semicolons, UTF-8 with BOM for spreadsheet programs) or XLSX."""
    columns = columns_for(kind)
    dataset = tablib.Dataset(headers=[c.header for c in columns], title=str(KINDS[kind][1]))
    for row in rows:
        dataset.append([_safe(str(row.get(c.key, ""))) for c in columns])
    if fmt == "xlsx":
        return dataset.export("xlsx")
    return ("\ufeff" + dataset.export("csv", delimiter=";")).encode("utf-8")


def template_rows(kind: str) -> list[dict[str, str]]:
    return [{c.key: c.example for c in columns_for(kind)}]
