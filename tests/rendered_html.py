"""Every HTML page the tests render goes through the Nu Html Checker, once, at the end of the run.

Issue 16 asks for zero checker errors on every page the tests render, not only on the pages the
crawl (tests/test_crawl.py) reaches by links: the permission matrix renders every URL for every
role, the form tests render the error states, the fault tests the error pages. This plugin wraps
the test client: each HTML answer is kept (a few variants per view and status, identical bodies
once) and written to a folder shared by the xdist workers; when the run ends, the process that
ran the session checks them all in one Java run (tests/html_check.py) and fails the run on any
error, listing page, line and message.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from django.test import client as django_client
from django.urls import Resolver404

from tests import html_check

# Variants kept per (view, method, status): the fourth rendering of the same view with other data
# rarely adds markup the first three did not have, and the checker's time grows with every page.
VARIANTS_PER_VIEW = 3
_ENV = "KOOPERATION_RENDERED_HTML_DIR"


class _Collector:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.kept: Counter[tuple[str, str, int]] = Counter()
        self.digests: set[str] = set()
        self.worker = os.environ.get("PYTEST_XDIST_WORKER", "main")

    def add(self, request: dict, response) -> None:
        if not response.get("Content-Type", "").startswith("text/html") or getattr(response, "streaming", False):
            return
        content = response.content
        if b"<html" not in content[:500].lower():
            return  # htmx fragments are checked inside the pages that embed them
        try:
            view = response.resolver_match.view_name
        except (AttributeError, Resolver404):  # a 404 for an address no view answers
            view = request.get("PATH_INFO", "?")
        key = (view, request.get("REQUEST_METHOD", "GET"), response.status_code)
        if self.kept[key] >= VARIANTS_PER_VIEW:
            return
        digest = hashlib.sha1(content).hexdigest()  # noqa: S324 - identity of a page, not security
        if digest in self.digests:
            return
        self.digests.add(digest)
        self.kept[key] += 1
        name = f"{self.worker}-{len(self.digests):05d}.html"
        (self.folder / name).write_bytes(content)
        label = f"{key[1]} {request.get('PATH_INFO', '?')} → {key[2]} ({view})"
        (self.folder / f"{name}.label").write_text(label, encoding="utf-8")


_collector: _Collector | None = None


def pytest_configure(config) -> None:
    global _collector
    folder = os.environ.get(_ENV)
    if folder is None:  # the controller (or a run without xdist) owns the folder
        folder = tempfile.mkdtemp(prefix="rendered-html-")
        os.environ[_ENV] = folder  # xdist workers inherit the environment
        config._rendered_html_owner = folder
    _collector = _Collector(Path(folder))
    original = django_client.Client.request

    def request(self, **kwargs):
        response = original(self, **kwargs)
        if _collector is not None:
            _collector.add(response.wsgi_request.META if hasattr(response, "wsgi_request") else kwargs, response)
        return response

    django_client.Client.request = request


def pytest_sessionfinish(session, exitstatus) -> None:
    folder = getattr(session.config, "_rendered_html_owner", None)
    if folder is None:
        return  # an xdist worker: the controller checks when all workers are done
    try:
        if exitstatus not in (0, pytest.ExitCode.TESTS_FAILED):
            return  # interrupted or nothing collected: no verdict on HTML
        pages = html_check.PageCollection()
        labels = {}
        for path in sorted(Path(folder).glob("*.html")):
            label = (path.parent / f"{path.name}.label").read_text(encoding="utf-8")
            pages.add(label, path.read_bytes())
            labels[label] = path.name
        if not pages:
            return
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        try:
            errors = html_check.validate(pages)
        except (pytest.skip.Exception, pytest.fail.Exception) as problem:
            errors = [] if isinstance(problem, pytest.skip.Exception) else [str(problem)]
        if reporter is not None:
            reporter.write_sep("-", f"Nu Html Checker: {len(pages)} gerenderte Seiten geprüft, {len(errors)} Fehler")
        if errors:
            if reporter is not None:
                reporter.write_sep("=", "Nu Html Checker: ungültiges HTML in gerenderten Seiten", red=True)
                for line in errors:
                    reporter.write_line(line)
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
    finally:
        shutil.rmtree(folder, ignore_errors=True)
