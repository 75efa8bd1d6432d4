"""Office documents (DOCX, XLSX, PPTX, ODT, ODS, ODP) judged by their contents, not by their name.

Both formats are ZIP archives: OOXML names its main part in `[Content_Types].xml`, OpenDocument
stores its type in the first entry `mimetype`. Archives that would unpack to far more than they
weigh, encrypted entries and documents with macros are refused; every entry's checksum is verified.
"""

from __future__ import annotations

import logging
import zipfile
from io import BytesIO

from defusedxml import ElementTree
from django.utils.translation import gettext as _

from kooperation.core.errors import DomainError
from kooperation.core.uploads import FileKind

logger = logging.getLogger(__name__)

ZIP_MAGIC = b"PK\x03\x04"
_OOXML = "application/vnd.openxmlformats-officedocument."
DOCX = FileKind("docx", _OOXML + "wordprocessingml.document", ZIP_MAGIC)
XLSX = FileKind("xlsx", _OOXML + "spreadsheetml.sheet", ZIP_MAGIC)
PPTX = FileKind("pptx", _OOXML + "presentationml.presentation", ZIP_MAGIC)
ODT = FileKind("odt", "application/vnd.oasis.opendocument.text", ZIP_MAGIC)
ODS = FileKind("ods", "application/vnd.oasis.opendocument.spreadsheet", ZIP_MAGIC)
ODP = FileKind("odp", "application/vnd.oasis.opendocument.presentation", ZIP_MAGIC)
OFFICE_KINDS = (DOCX, XLSX, PPTX, ODT, ODS, ODP)

# The content type of the main part of each OOXML document (macro-enabled variants are refused).
_OOXML_MAIN = {
    _OOXML + "wordprocessingml.document.main+xml": DOCX,
    _OOXML + "spreadsheetml.sheet.main+xml": XLSX,
    _OOXML + "presentationml.presentation.main+xml": PPTX,
}
_ODF = {kind.content_type: kind for kind in (ODT, ODS, ODP)}
_CONTENT_TYPES_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"

# Limits far above any real appendix: more would only serve to exhaust memory or time (ZIP bombs).
MAX_ENTRIES = 10_000
MAX_UNPACKED = 300 * 1024 * 1024
MAX_RATIO = 200
MAX_MANIFEST = 1024 * 1024


def _refuse(message: str, reason: str):
    logger.info("uploaded office document refused: %s", reason)
    raise DomainError(message)


def check_office(data: bytes) -> FileKind:
    """Return the type of an office document or raise DomainError in German saying why it is refused."""
    broken = _(
        "Das Office-Dokument ist beschädigt oder kein gültiges DOCX-, XLSX-, PPTX-, ODT-, ODS- oder ODP-Dokument."
    )
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        return _refuse(broken, str(exc))
    with archive:
        _check_archive(entries, len(data), broken)
        names = {entry.filename for entry in entries}
        if "mimetype" in names:
            kind = _odf_kind(archive, names, broken)
        elif "[Content_Types].xml" in names:
            kind = _ooxml_kind(archive, names, broken)
        else:
            return _refuse(broken, "neither mimetype nor [Content_Types].xml")
        try:
            bad = archive.testzip()
        except Exception as exc:  # a damaged stream raises from zlib or zipfile
            return _refuse(broken, f"unreadable entry: {exc}")
        if bad is not None:
            return _refuse(broken, f"checksum of {bad}")
    return kind


def _check_archive(entries, size: int, broken: str) -> None:
    if not entries or len(entries) > MAX_ENTRIES:
        _refuse(broken, f"{len(entries)} entries")
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > MAX_UNPACKED or unpacked > MAX_RATIO * max(size, 1024):
        _refuse(_("Das Office-Dokument ist ungewöhnlich stark gepackt und wird nicht angenommen."), f"{unpacked} bytes")
    if any(entry.flag_bits & 0x1 for entry in entries):
        _refuse(_("Das Office-Dokument ist verschlüsselt. Bitte eine unverschlüsselte Fassung hochladen."), "encrypted")


def _macros() -> str:
    return _("Das Office-Dokument enthält Makros und wird deshalb nicht angenommen. Bitte ohne Makros speichern.")


def _read_small(archive, name: str, broken: str) -> bytes:
    if archive.getinfo(name).file_size > MAX_MANIFEST:
        _refuse(broken, f"{name} too large")
    return archive.read(name)


def _odf_kind(archive, names: set[str], broken: str) -> FileKind:
    mimetype = _read_small(archive, "mimetype", broken).decode("ascii", "replace").strip()
    kind = _ODF.get(mimetype)
    if kind is None or "META-INF/manifest.xml" not in names:
        _refuse(broken, f"OpenDocument type {mimetype!r}")
    if any(name.startswith(("Basic/", "Scripts/")) for name in names):
        _refuse(_macros(), "OpenDocument macros")
    return kind


def _ooxml_kind(archive, names: set[str], broken: str) -> FileKind:
    try:
        root = ElementTree.fromstring(_read_small(archive, "[Content_Types].xml", broken))
    except Exception as exc:  # defusedxml refuses entities and DTDs; anything unparsable is broken
        return _refuse(broken, f"[Content_Types].xml: {exc}")
    types = {element.get("ContentType", "") for element in root.iter(f"{_CONTENT_TYPES_NS}Override")}
    types |= {element.get("ContentType", "") for element in root.iter(f"{_CONTENT_TYPES_NS}Default")}
    if any("macroEnabled" in value or "vbaProject" in value for value in types) or any(
        name.lower().endswith("vbaproject.bin") for name in names
    ):
        _refuse(_macros(), "OOXML macros")
    found = {_OOXML_MAIN[value] for value in types if value in _OOXML_MAIN}
    if len(found) != 1:
        _refuse(broken, f"OOXML main parts {sorted(types)}")
    return found.pop()
