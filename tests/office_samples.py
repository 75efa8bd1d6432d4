"""Small office documents built with zipfile for the upload checks (DOCX, XLSX, ODT and bad variants)."""

from __future__ import annotations

import zipfile
from io import BytesIO

_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
_OOXML = "application/vnd.openxmlformats-officedocument."


def _zip(entries: dict[str, bytes], *, stored_first: str | None = None) -> bytes:
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        if stored_first:
            archive.writestr(zipfile.ZipInfo(stored_first), entries[stored_first], compress_type=zipfile.ZIP_STORED)
        for name, data in entries.items():
            if name != stored_first:
                archive.writestr(name, data)
    return out.getvalue()


def content_types(main_part: str, main_type: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{_CT}">'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="{main_part}" ContentType="{main_type}"/></Types>'
    ).encode()


def docx(extra: dict[str, bytes] | None = None, main_type: str | None = None) -> bytes:
    entries = {
        "[Content_Types].xml": content_types(
            "/word/document.xml", main_type or _OOXML + "wordprocessingml.document.main+xml"
        ),
        "word/document.xml": b"<w:document/>",
    }
    return _zip({**entries, **(extra or {})})


def xlsx() -> bytes:
    return _zip(
        {
            "[Content_Types].xml": content_types("/xl/workbook.xml", _OOXML + "spreadsheetml.sheet.main+xml"),
            "xl/workbook.xml": b"<workbook/>",
        }
    )


def odt(extra: dict[str, bytes] | None = None, mimetype: bytes = b"application/vnd.oasis.opendocument.text") -> bytes:
    entries = {"mimetype": mimetype, "META-INF/manifest.xml": b"<manifest/>", "content.xml": b"<office/>"}
    return _zip({**entries, **(extra or {})}, stored_first="mimetype")


def plain_zip() -> bytes:
    return _zip({"programm.exe": b"MZ" + b"\0" * 100})


def bomb() -> bytes:
    """A DOCX whose one part unpacks to far more than the archive weighs."""
    return docx({"word/media/big.xml": b"\0" * (5 * 1024 * 1024)})


def entity_expansion_docx() -> bytes:
    """[Content_Types].xml with a DTD declaring entities (billion laughs): refused by defusedxml."""
    evil = b'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><Types>&b;</Types>'
    return _zip({"[Content_Types].xml": evil, "word/document.xml": b"<w:document/>"})
