"""PDF documents: one renderer per document type, WeasyPrint, and only the project's own static files.

A renderer turns a print template (templates/print/…, extending print/base.html) into
``(filename, mimetype, bytes)``. While rendering, the URL fetcher serves the project's
static files and data: URIs and refuses everything else: no network, no local paths
(file://), so nothing typed into a document can make the server fetch anything.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import posixpath
import threading
from functools import cache
from io import BytesIO
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import caches
from django.http import FileResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils import translation
from django.utils.translation import gettext as _
from weasyprint import CSS, HTML, Attachment
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from kooperation.core import hyphenation

logger = logging.getLogger(__name__)

# Documents are rendered against this base address; it never resolves to anything real.
BASE_URL = "https://kooperation.invalid/"


class URLRefused(ValueError):
    """A resource the renderer may not load."""


def _static_prefix() -> str:
    return BASE_URL + settings.STATIC_URL.lstrip("/")


def _static_file(name: str) -> str | None:
    """The path of a static file: from the finders (source tree), else from STATIC_ROOT (hashed names)."""
    found = finders.find(name)
    if found:
        return found
    try:
        if staticfiles_storage.exists(name):
            return staticfiles_storage.path(name)
    except (NotImplementedError, ValueError):
        return None
    return None


class StaticFilesURLFetcher(URLFetcher):
    """Fetch the project's static files ({% static %} URLs) and data: URIs; refuse every other URL."""

    def __init__(self):
        super().__init__(allowed_protocols=("https", "data"), allow_redirects=False)

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        prefix = _static_prefix()
        if not url.startswith(prefix):
            logger.warning("document renderer refused %s", url[:200])
            raise URLRefused(f"only the project's static files may be loaded, not {url[:200]}")
        name = posixpath.normpath(unquote(urlsplit(url).path)[len(urlsplit(prefix).path) :])
        if name.startswith(("..", "/", ".")) or "/." in name:
            raise URLRefused(f"not a static file: {name[:200]}")
        path = _static_file(name)
        if path is None:
            raise URLRefused(f"no such static file: {name[:200]}")
        with open(path, "rb") as handle:
            body = handle.read()
        mimetype = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body, {"Content-Type": mimetype})


def json_attachment(name: str, content: bytes, description: str) -> Attachment:
    """A JSON file embedded in the PDF (e.g. the machine-readable content of a contract)."""
    return Attachment(
        string=content,
        name=name,
        description=str(description),
        url_fetcher=StaticFilesURLFetcher(),
        relationship="Data",
    )


class _PrintStyles(threading.local):
    """The print stylesheets, parsed once per thread, and the fonts their @font-face rules load.

    WeasyPrint parsed every <link>ed stylesheet again for each PDF and copied the fonts into a new
    temporary folder. Parsed once, they serve every document of the thread (a FontConfiguration
    is not shared between threads). With DEBUG an edited stylesheet shows in the next PDF.
    """

    fonts: FontConfiguration | None = None  # per thread, made on its first document

    def get(self, names: tuple[str, ...]) -> tuple[FontConfiguration, list[CSS]]:
        if self.fonts is None:
            self.fonts, self.sheets = FontConfiguration(), {}
        sheets = []
        for name in names:
            url = BASE_URL + static(name).lstrip("/")  # as {% static %} in a template with this base address
            sheet = self.sheets.get(url)
            if sheet is None or settings.DEBUG:
                sheet = CSS(url=url, url_fetcher=StaticFilesURLFetcher(), font_config=self.fonts)
                self.sheets[url] = sheet
            sheets.append(sheet)
        return self.fonts, sheets


_print_styles = _PrintStyles()


class PdfRenderer:
    """Render one document type; subclasses set template_name and give get_context() and filename()."""

    template_name: str = ""
    # The print stylesheets (static files), in cascade order. They are given to WeasyPrint as user
    # stylesheets: the template's own <style> (author origin: the running texts) wins over them.
    stylesheets: tuple[str, ...] = ("css/print-base.css",)
    mimetype = "application/pdf"
    # e.g. "pdf/a-3b" for archival copies; None for a plain PDF.
    pdf_variant: str | None = None

    def get_context(self) -> dict:
        raise NotImplementedError

    def filename(self) -> str:
        raise NotImplementedError

    def metadata(self) -> dict:
        """title, author, subject of the PDF (the base template writes them into the HTML head)."""
        return {}

    def attachments(self) -> list:
        return []

    def render_html(self) -> str:
        # A document is a record in the network's language, whatever the reader's UI language.
        with translation.override(settings.LANGUAGE_CODE):
            context = {
                # What print/base.html shows in the page margins; documents override what they need.
                "running_title": "",
                "running_revision": "",
                "running_fingerprint": "",
                "draft_mark": "",
                "page_label_before": _("Seite "),
                "page_label_between": _(" von "),
                "metadata": self.metadata(),
                **self.get_context(),
            }
            return render_to_string(self.template_name, context)

    def render(self) -> tuple[str, str, bytes]:
        return self.filename(), self.mimetype, self.write_pdf(self.render_html())

    def write_pdf(self, html: str) -> bytes:
        hyphenation.preload(settings.LANGUAGE_CODE)  # the documents' language (see render_html)
        document = HTML(string=html, base_url=BASE_URL, url_fetcher=StaticFilesURLFetcher())
        options = {"attachments": self.attachments()}
        if self.pdf_variant:
            options["pdf_variant"] = self.pdf_variant
        fonts, stylesheets = _print_styles.get(self.stylesheets)
        return document.write_pdf(stylesheets=stylesheets, font_config=fonts, **options)

    def render_cached(self, key: str) -> tuple[str, str, bytes]:
        """Like render(), but the PDF comes from the shared "documents" cache when its HTML was rendered before.

        The cache key is ``key`` (e.g. the agreement and its version) plus a SHA-256 of the HTML,
        the PDF variant and the print stylesheets and fonts, so any change to what the document
        shows gives a new key. Only for documents without attachments of their own (the draft).
        """
        html = self.render_html()
        digest = hashlib.sha256()
        for part in (html, self.pdf_variant or "", " ".join(self.stylesheets), _print_assets_fingerprint()):
            digest.update(part.encode())
            digest.update(b"\0")
        cache_key = f"pdf:{key}:{digest.hexdigest()}"
        documents = caches["documents"]
        content = documents.get(cache_key)
        if content is None:
            content = self.write_pdf(html)
            documents.set(cache_key, content)
        return self.filename(), self.mimetype, content


def warm_up() -> None:
    """Prepare the process for its first document (the WSGI entry point calls this when a worker starts).

    The first PDF of a process paid about 0.3 s on top: the hyphenation patterns, the print stylesheets
    and fonts, and WeasyPrint's own first use (Pango, its C type declarations, font subsetting). A one-line
    document with the shared print stylesheet does all of that once, before any request waits for it.
    """
    try:
        hyphenation.preload(settings.LANGUAGE_CODE)
        html = f'<html lang="{settings.LANGUAGE_CODE}"><p style="hyphens: auto">Kooperationsvereinbarung</p></html>'
        fonts, stylesheets = _print_styles.get(PdfRenderer.stylesheets)
        HTML(string=html, base_url=BASE_URL, url_fetcher=StaticFilesURLFetcher()).write_pdf(
            stylesheets=stylesheets, font_config=fonts
        )
    except Exception:  # a server that cannot render PDFs still serves everything else
        logger.exception("document renderer: warm-up failed")


@cache
def _print_assets_fingerprint() -> str:
    """A hash of the print stylesheets and fonts: a deployment that changes them gives new cache keys."""
    digest = hashlib.sha256()
    for folder in ("css", "fonts"):
        for path in sorted((Path(settings.BASE_DIR) / "static" / folder).glob("*")):
            if path.name.startswith(("print", "DejaVu")) and path.is_file():
                digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def pdf_response(renderer: PdfRenderer, *, cache_key: str | None = None) -> FileResponse:
    """Serve a document as a download: freshly rendered, or via the documents cache when cache_key is given."""
    filename, mimetype, content = renderer.render_cached(cache_key) if cache_key else renderer.render()
    return FileResponse(BytesIO(content), as_attachment=True, filename=filename, content_type=mimetype)
