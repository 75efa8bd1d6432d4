"""Small PDFs built byte by byte (with a correct cross-reference table) for the upload checks."""

from __future__ import annotations

import zlib
from io import BytesIO

from PIL import Image
from pyhanko.pdf_utils.writer import PdfFileWriter


def build_pdf(*objects: bytes, root: int = 1) -> bytes:
    """A PDF 1.4 file whose objects 1…n are `objects`, with a cross-reference table and trailer."""
    out = BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, xref))
    return out.getvalue()


PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"
PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"

# One empty A4 page: what a plain scan looks like to the checks.
PLAIN_PDF = build_pdf(b"<< /Type /Catalog /Pages 2 0 R >>", PAGES, PAGE)

# Opens with a JavaScript action.
OPEN_ACTION_JS_PDF = build_pdf(
    b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
    PAGES,
    PAGE,
    b"<< /Type /Action /S /JavaScript /JS (app.alert\\('hallo'\\);) >>",
)

# The same, with the names written in #xx escapes.
ESCAPED_JS_PDF = build_pdf(
    b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /J#61vaScript /J#53 (app.alert\\(1\\);) >> >>",
    PAGES,
    PAGE,
)

LAUNCH_PDF = build_pdf(
    b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /Launch /F (cmd.exe) >> >>",
    PAGES,
    PAGE,
)

EMBEDDED_FILE_PDF = build_pdf(
    b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names [(a.exe) 4 0 R] >> >> >>",
    PAGES,
    PAGE,
    b"<< /Type /Filespec /F (a.exe) /EF << /F 5 0 R >> >>",
    b"<< /Type /EmbeddedFile /Length 2 >>\nstream\nMZ\nendstream",
)

PAGE_ACTION_PDF = build_pdf(
    b"<< /Type /Catalog /Pages 2 0 R >>",
    PAGES,
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /AA << /O << /S /JavaScript /JS (1) >> >> >>",
)


def object_stream_js_pdf() -> bytes:
    """The JavaScript action hidden in a compressed object stream (PDF 1.5 cross-reference stream)."""
    hidden = b"<< /Type /Action /S /JavaScript /JS (app.alert\\(1\\);) >>"
    header = b"4 0 "
    objstm = zlib.compress(header + hidden)
    out = BytesIO()
    out.write(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    bodies = [
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
        PAGES,
        PAGE,
        None,  # object 4 lives in object stream 5
        b"<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\nstream\n" % (len(header), len(objstm))
        + objstm
        + b"\nendstream",
    ]
    offsets = {}
    for number, body in enumerate(bodies, start=1):
        if body is None:
            continue
        offsets[number] = out.tell()
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref_offset = out.tell()
    rows = [b"\x00\x00\x00\x00\xff\xff"]
    for number in range(1, 7):
        if number == 4:
            rows.append(b"\x02" + (5).to_bytes(4, "big") + b"\x00")
        elif number == 6:
            rows.append(b"\x01" + xref_offset.to_bytes(4, "big") + b"\x00")
        else:
            rows.append(b"\x01" + offsets[number].to_bytes(4, "big") + b"\x00")
    table = zlib.compress(b"".join(rows))
    out.write(
        b"6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 1] /Root 1 0 R /Filter /FlateDecode /Length %d >>\nstream\n"
        % len(table)
        + table
        + b"\nendstream\nendobj\n"
    )
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref_offset)
    return out.getvalue()


def png_bytes(size: tuple[int, int] = (8, 8)) -> bytes:
    """A real (tiny) PNG image: images are decoded with Pillow, not just sniffed."""
    out = BytesIO()
    Image.new("RGB", size, "white").save(out, format="PNG")
    return out.getvalue()


def jpeg_bytes(size: tuple[int, int] = (8, 8)) -> bytes:
    out = BytesIO()
    Image.new("RGB", size, "white").save(out, format="JPEG")
    return out.getvalue()


def encrypted_pdf() -> bytes:
    """An (empty) PDF encrypted with a user password: its objects cannot be checked."""
    writer = PdfFileWriter()
    writer.encrypt("eigentuemer", "nutzer")
    out = BytesIO()
    writer.write(out)
    return out.getvalue()
