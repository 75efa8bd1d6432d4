"""Safe rendering: the documents' URL fetcher loads the project's static files and data: URIs, nothing else."""

from __future__ import annotations

import base64
import http.server
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from weasyprint import HTML

from agreements.documents import ContractRenderer
from agreements.models import Criterion, Partner, TargetGroup
from kooperation.core.documents import BASE_URL, StaticFilesURLFetcher, URLRefused
from tests import signing_data as sd

STATIC = BASE_URL + settings.STATIC_URL.lstrip("/")
PASSWD_LINE = "root:x:0:0"


class _Recorder(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()
        self.wfile.write(b"\x89PNG\r\n\x1a\n")

    do_POST = do_HEAD = do_GET

    def log_message(self, *args):
        pass


@pytest.fixture
def local_server():
    """A tiny HTTP server on 127.0.0.1 that records every request it receives."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def _url(server) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


def _read(url: str) -> tuple[bytes, str]:
    response = StaticFilesURLFetcher().fetch(url)
    try:
        return response.read(), response.content_type
    finally:
        response.close()


# The fetcher itself ---------------------------------------------------------------------------------------------


def test_serves_a_static_file():
    body, content_type = _read(STATIC + "css/print-base.css")
    assert body == Path(finders.find("css/print-base.css")).read_bytes()
    assert content_type == "text/css"


def test_serves_a_font_referenced_relative_to_a_stylesheet():
    body, _type = _read(STATIC + "css/../fonts/DejaVuSans.ttf")
    assert body == Path(finders.find("fonts/DejaVuSans.ttf")).read_bytes()


def test_serves_data_uris():
    payload = "Größe „ß“".encode()
    body, content_type = _read("data:text/plain;charset=utf-8;base64," + base64.b64encode(payload).decode())
    assert body == payload
    assert content_type == "text/plain"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "https://example.org/logo.png",
        "https://kooperation.invalid.example.org/static/css/print-base.css",
        "https://kooperation.invalid/media/vertraege/vertrag.pdf",
        "ftp://127.0.0.1/x",
        "//127.0.0.1/x",
    ],
)
def test_refuses_other_urls(url):
    with pytest.raises(URLRefused):
        StaticFilesURLFetcher().fetch(url)


@pytest.mark.parametrize(
    "path",
    [
        "../kooperation/settings.py",
        "css/../../kooperation/settings.py",
        "%2e%2e/kooperation/settings.py",
        "css/%2E%2E%2F%2E%2E%2Fkooperation%2Fsettings.py",
        "/etc/passwd",
        "%2Fetc%2Fpasswd",
        "..%2F..%2F..%2F..%2Fetc%2Fpasswd",
        ".git/config",
        "css/.hidden",
        "css/keine-datei.css",
    ],
)
def test_refuses_path_traversal_and_unknown_files(path):
    with pytest.raises(URLRefused):
        StaticFilesURLFetcher().fetch(STATIC + path)


def test_never_connects_to_a_local_server(local_server):
    for url in (_url(local_server) + "/x", _url(local_server).replace("http:", "https:") + "/x"):
        with pytest.raises(URLRefused):
            StaticFilesURLFetcher().fetch(url)
    assert local_server.requests == []


def test_raw_html_cannot_load_local_files_or_the_network(local_server, tmp_path):
    """Even markup that reached the renderer unescaped loads nothing and attaches nothing."""
    sd.require_tools("pdftotext", "pdfdetach")
    html = (
        f'<link rel="stylesheet" href="{_url(local_server)}/style.css">'
        '<link rel="attachment" href="file:///etc/passwd" title="passwd">'
        f'<link rel="attachment" href="{_url(local_server)}/anhang.txt">'
        f'<p>Text<img src="file:///etc/passwd"><img src="{_url(local_server)}/x">'
        f'<img src="/static/../../../../etc/passwd"><a rel="attachment" href="file:///etc/hostname">Anhang</a></p>'
        f'<p style="background: url({_url(local_server)}/hintergrund.png)">Hintergrund</p>'
    )
    pdf = tmp_path / "roh.pdf"
    pdf.write_bytes(HTML(string=html, base_url=BASE_URL, url_fetcher=StaticFilesURLFetcher()).write_pdf())
    assert local_server.requests == []
    assert sd.tool("pdfdetach", "-list", pdf).splitlines()[0] == "0 embedded files"
    assert PASSWD_LINE not in sd.tool("pdftotext", pdf, "-")


# Agreement content ---------------------------------------------------------------------------------------------


@pytest.fixture
def hostile(db, settings, tmp_path, local_server):
    """An agreement whose text tries to make the renderer fetch local files and local URLs."""
    settings.MEDIA_ROOT = tmp_path / "media"
    parties = [sd.party(i) for i in sd.institutions(2)]
    agreement = sd.approved(parties)
    texts = {
        "img": '<img src="file:///etc/passwd">',
        "link": '<link rel=attachment href="file:///etc/passwd">',
        "url": f"{_url(local_server)}/x",
        "img_url": f'<img src="{_url(local_server)}/bild.png">',
    }
    agreement.preamble = f"Präambel {texts['img']} Ende"
    agreement.save(update_fields=["preamble"])
    Criterion.objects.create(agreement=agreement, text=f"Kriterium {texts['link']} Ende", position=99)
    TargetGroup.objects.filter(agreement=agreement).update(description=f"Siehe {texts['url']} Ende")
    Partner.objects.filter(agreement=agreement).update(contribution=f"Beitrag {texts['img_url']} Ende")
    return agreement, parties, texts


def test_content_with_urls_renders_as_text_and_nothing_is_fetched(hostile, local_server, tmp_path):
    sd.require_tools("pdftotext", "pdfdetach")
    agreement, parties, texts = hostile
    preview = tmp_path / "vorschau.pdf"
    preview.write_bytes(ContractRenderer(agreement, draft=True).render()[2])
    contract = tmp_path / "vertrag.pdf"
    sd.release(agreement, parties[0].koordination)
    contract.write_bytes(sd.stored_bytes(agreement))

    assert local_server.requests == []
    assert sd.tool("pdfdetach", "-list", preview).splitlines()[0] == "0 embedded files"
    listing = sd.tool("pdfdetach", "-list", contract)
    assert listing.splitlines() == ["1 embedded files", "1: vereinbarung.json"]
    for pdf in (preview, contract):
        text = " ".join(sd.tool("pdftotext", pdf, "-").split())
        assert PASSWD_LINE not in text
        assert f"Präambel {texts['img']} Ende" in text
        assert f"Kriterium {texts['link']} Ende" in text
        assert f"Siehe {texts['url']} Ende" in text
        assert f"Beitrag {texts['img_url']} Ende" in text
