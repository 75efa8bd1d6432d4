"""Uploaded scans are judged by their bytes, never by the client's file name or Content-Type.

`check_scan(data)` tells PDF, PNG and JPEG apart by their magic numbers, parses the file (pyHanko for
PDFs, Pillow for images) and refuses PDFs with active content (JavaScript, launch actions, embedded
files, rich media, automatic actions). The stored file gets the extension of the detected type and is
served with that type's Content-Type (`FileKind`), as an attachment with `X-Content-Type-Options: nosniff`
(`stored_file_response`). The client's file name is only ever shown, sanitised (`display_name`).
"""

from __future__ import annotations

import logging
import re
import unicodedata
import warnings
from dataclasses import dataclass
from io import BytesIO

from django.http import FileResponse
from django.utils.translation import gettext as _
from PIL import Image
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader

from kooperation.core.errors import DomainError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FileKind:
    extension: str
    content_type: str
    magic: bytes


PDF = FileKind("pdf", "application/pdf", b"%PDF-")
PNG = FileKind("png", "image/png", b"\x89PNG\r\n\x1a\n")
JPEG = FileKind("jpg", "image/jpeg", b"\xff\xd8\xff")
KINDS = (PDF, PNG, JPEG)
_PILLOW_FORMATS = {PNG: "PNG", JPEG: "JPEG"}
_BY_EXTENSION = {kind.extension: kind for kind in KINDS} | {"jpeg": JPEG}

# Names that make a PDF do something by itself: scripts, launching programs, embedded files, multimedia
# players, actions triggered by opening a page or a field, XFA forms (which carry scripts).
ACTIVE_PDF_NAMES = frozenset(
    {"/JavaScript", "/JS", "/Launch", "/EmbeddedFile", "/EmbeddedFiles", "/RichMedia", "/AA", "/XFA"}
)
# The same names in the raw bytes, also when written with #xx escapes (/J#61vaScript): catches objects that the
# walk from the catalogue does not reach (an incremental update, a damaged cross-reference table).
_RAW_NAME = re.compile(rb"/((?:[A-Za-z0-9]|#[0-9A-Fa-f]{2}){1,40})")
_STREAM_DATA = re.compile(rb"(?<!end)stream\r?\n.*?endstream", re.DOTALL)
# More objects than any scan has; a file with more is refused rather than walked for ever.
MAX_PDF_OBJECTS = 200_000
MAX_DISPLAY_NAME = 100
# Pillow refuses (instead of warning about) images this large: a scan never has 60 million pixels.
MAX_IMAGE_PIXELS = 60_000_000


def detect_kind(data: bytes) -> FileKind | None:
    """The type the bytes start with, or None."""
    return next((kind for kind in KINDS if data.startswith(kind.magic)), None)


def kind_of_name(name: str) -> FileKind | None:
    """The type of a stored file (whose extension was set from its detected type)."""
    return _BY_EXTENSION.get(name.rsplit(".", 1)[-1].lower()) if "." in name else None


def check_scan(data: bytes, *, unknown_message: str | None = None) -> FileKind:
    """Return the type of an uploaded scan (PDF, PNG or JPEG) or raise DomainError in German saying why not."""
    kind = detect_kind(data)
    if kind is None:
        raise DomainError(unknown_message or _("Bitte eine PDF-, JPEG- oder PNG-Datei hochladen."))
    if kind is PDF:
        check_pdf(data)
    else:
        check_image(data, kind)
    return kind


def check_image(data: bytes, kind: FileKind) -> None:
    """Pillow must read the whole file as the detected format."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(data), formats=[_PILLOW_FORMATS[kind]]) as image:
                if image.width * image.height > MAX_IMAGE_PIXELS:
                    raise ValueError("too many pixels")
                image.verify()
            with Image.open(BytesIO(data), formats=[_PILLOW_FORMATS[kind]]) as image:
                image.load()
    except Exception as exc:
        logger.info("uploaded %s image refused: %s", kind.extension, exc)
        raise DomainError(
            _("Das Bild ist beschädigt oder kein gültiges %(type)s-Bild.") % {"type": _PILLOW_FORMATS[kind]}
        ) from None


def check_pdf(data: bytes) -> None:
    """The PDF must parse, and neither its objects nor its raw bytes may name active content."""
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        if reader.encrypted:
            # Its objects cannot be checked; a scan has no reason to be encrypted.
            raise DomainError(_("Die PDF-Datei ist verschlüsselt. Bitte eine unverschlüsselte Fassung hochladen."))
        found = _active_names_reachable(reader)
    except DomainError:
        raise
    except Exception as exc:
        logger.info("uploaded PDF could not be read: %s", exc)
        raise DomainError(_("Die PDF-Datei ist beschädigt oder kein gültiges PDF.")) from None
    found |= _active_names_in_bytes(data)
    if found:
        logger.info("uploaded PDF refused for active content: %s", sorted(found))
        raise DomainError(
            _(
                "Die PDF-Datei enthält aktive Inhalte (JavaScript, eingebettete Dateien oder automatische "
                "Aktionen) und wird deshalb nicht angenommen. Bitte die Seite als einfaches PDF oder Bild scannen."
            )
        )


def _active_names_reachable(reader: PdfFileReader) -> set[str]:
    """Walk every object reachable from the trailer (object streams included) and collect active names."""
    found: set[str] = set()
    seen: set[tuple[int, int]] = set()
    stack: list = [reader.trailer[key] for key in reader.trailer]
    stack.append(reader.root)
    visited = 0
    while stack:
        obj = stack.pop()
        if isinstance(obj, generic.IndirectObject):
            key = (obj.idnum, obj.generation)
            if key in seen:
                continue
            seen.add(key)
            visited += 1
            if visited > MAX_PDF_OBJECTS:
                raise DomainError(_("Die PDF-Datei ist zu komplex, um sie zu prüfen."))
            obj = obj.get_object()
        if isinstance(obj, generic.DictionaryObject):  # streams are dictionaries too; their data is not walked
            for name in obj:
                if name in ACTIVE_PDF_NAMES:
                    found.add(str(name))
                stack.append(obj.raw_get(name))
        elif isinstance(obj, generic.ArrayObject):
            stack.extend(obj.raw_get(i) for i in range(len(obj)))
        elif isinstance(obj, generic.NameObject) and obj in ACTIVE_PDF_NAMES:
            found.add(str(obj))
    return found


def _active_names_in_bytes(data: bytes) -> set[str]:
    """Active names outside stream data (binary image data would give chance matches; streams are walked)."""
    found = set()
    for match in _RAW_NAME.finditer(_STREAM_DATA.sub(b" ", data)):
        raw = match.group(1)
        name = "/" + re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw).decode("latin-1")
        if name in ACTIVE_PDF_NAMES:
            found.add(name)
    return found


_SEPARATORS = re.compile(r"[/\\]")


def display_name(name: str | None, limit: int = MAX_DISPLAY_NAME) -> str:
    """The client's file name as harmless display text.

    Only the last path component; no control characters (NUL included), no invisible formatting
    characters (bidi overrides U+202A–U+202E and isolates U+2066–U+2069, zero-width characters),
    no path separators; whitespace collapsed; at most `limit` characters, the extension kept.
    """
    text = unicodedata.normalize("NFC", name or "")
    text = _SEPARATORS.split(text)[-1]
    text = "".join(
        " " if char.isspace() else char
        for char in text
        if char.isspace() or unicodedata.category(char) not in {"Cc", "Cf", "Cs", "Co"}
    )
    text = " ".join(text.split()).strip(" .")
    if len(text) > limit:
        _stem, dot, suffix = text.rpartition(".")
        suffix = suffix if dot and 0 < len(suffix) <= 8 else ""
        keep = limit - 1 - (len(suffix) + 1 if suffix else 0)
        text = text[:keep].rstrip() + "…" + (f".{suffix}" if suffix else "")
    return text


def stored_file_response(file, *, filename: str, kind: FileKind | None) -> FileResponse:
    """A stored upload as a download: attachment, the detected type (never guessed by the browser)."""
    response = FileResponse(
        file,
        as_attachment=True,
        filename=filename,
        content_type=kind.content_type if kind else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
