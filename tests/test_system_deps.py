"""`.ci/system-deps.sh`: which Debian packages `make run`, `make test` and CI install.

The script runs against stubs of `dpkg`, `apt-get` and `id` in a temporary folder, so these
tests neither need Debian nor change the machine.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import warnings
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / ".ci" / "system-deps.sh"
RUNTIME = ["libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "gettext", "fonts-dejavu-core"]
TEST = ["chromium", "poppler-utils", "qpdf", "default-jre-headless"]

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


def _stub(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)


@pytest.fixture
def stubs(tmp_path):
    """A folder of stub commands; `installed` lists the packages the fake dpkg reports."""
    folder = tmp_path / "bin"
    folder.mkdir()
    log = tmp_path / "apt.log"
    installed = tmp_path / "installed"
    installed.write_text("")
    # dpkg -s PACKAGE: the status block of an installed package, or an error like the real one.
    _stub(
        folder,
        "dpkg",
        f'[ "$1" = -s ] || exit 2\n'
        f'if grep -qx "$2" "{installed}"; then echo "Package: $2"; echo "Status: install ok installed"; exit 0; fi\n'
        f"echo \"dpkg-query: package '$2' is not installed\" >&2; exit 1",
    )
    _stub(folder, "apt-get", f'echo "apt-get $*" >> "{log}"')
    _stub(folder, "id", '[ "$1" = -u ] && echo "${FAKE_UID:-0}"')

    class Stubs:
        def run(self, *args: str, uid: int = 0, installed_packages=(), **env: str) -> subprocess.CompletedProcess:
            installed.write_text("".join(f"{package}\n" for package in installed_packages))
            environment = {
                "PATH": f"{folder}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
                "FAKE_UID": str(uid),
                "HOME": str(tmp_path),
                **env,
            }
            return subprocess.run(  # noqa: S603 - our own script with fixed arguments
                ["bash", str(SCRIPT), *args],  # noqa: S607
                env=environment,
                capture_output=True,
                text=True,
                check=False,
                timeout=30,
            )

        def apt_calls(self) -> list[str]:
            return log.read_text().splitlines() if log.exists() else []

    return Stubs()


def test_root_installs_only_the_missing_runtime_packages(stubs):
    result = stubs.run("run", installed_packages=["gettext", "fonts-dejavu-core"])
    assert result.returncode == 0, result.stderr
    assert stubs.apt_calls() == [
        "apt-get update -qq",
        "apt-get install -y -qq --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0",
    ]


def test_test_profile_adds_the_browser_and_pdf_tools(stubs):
    result = stubs.run("test")
    assert result.returncode == 0, result.stderr
    assert stubs.apt_calls()[-1] == "apt-get install -y -qq --no-install-recommends " + " ".join(RUNTIME + TEST)


def test_extra_packages_are_checked_too(stubs):
    result = stubs.run("test", "curl", installed_packages=RUNTIME + TEST)
    assert result.returncode == 0, result.stderr
    assert stubs.apt_calls()[-1] == "apt-get install -y -qq --no-install-recommends curl"


@pytest.mark.parametrize("uid", [0, 1000])
def test_nothing_happens_when_everything_is_present(stubs, uid):
    result = stubs.run("test", uid=uid, installed_packages=RUNTIME + TEST)
    assert result.returncode == 0, result.stderr
    assert stubs.apt_calls() == []
    assert "all present" in result.stdout


def test_non_root_prints_the_apt_get_line_and_fails(stubs):
    result = stubs.run("test", uid=1000, installed_packages=[*RUNTIME, "qpdf", "default-jre-headless"])
    assert result.returncode == 1
    assert stubs.apt_calls() == []
    assert "missing: chromium poppler-utils" in result.stderr
    assert "sudo apt-get install -y --no-install-recommends chromium poppler-utils\n" in result.stderr


def test_removed_package_with_leftover_configuration_counts_as_missing(stubs, tmp_path):
    # `dpkg -s` exits 0 for a removed package whose configuration files remain.
    _stub(tmp_path / "bin", "dpkg", 'echo "Package: $2"; echo "Status: deinstall ok config-files"')
    result = stubs.run("run")
    assert result.returncode == 0, result.stderr
    assert stubs.apt_calls()[-1].endswith(" ".join(RUNTIME))


def test_apt_failure_fails_the_script(stubs, tmp_path):
    _stub(tmp_path / "bin", "apt-get", "exit 100")
    assert stubs.run("run").returncode == 100


@pytest.mark.parametrize("args", [(), ("everything",)])
def test_unknown_profile_is_a_usage_error(stubs, args):
    result = stubs.run(*args)
    assert result.returncode == 2
    assert "usage" in result.stderr


def test_skip_variable(stubs):
    result = stubs.run("test", uid=1000, KOOPERATION_SKIP_SYSTEM_DEPS="1")
    assert result.returncode == 0
    assert "skipped" in result.stdout


def test_makefile_and_ci_use_the_script():
    root = SCRIPT.parent.parent
    makefile = (root / "Makefile").read_text()
    assert "bash .ci/system-deps.sh $(SYSTEM_DEPS)" in makefile
    assert re.search(r"^run: system-deps ", makefile, re.MULTILINE)
    assert re.search(r"^test: system-deps ", makefile, re.MULTILINE)
    assert re.search(r"^test: SYSTEM_DEPS = test$", makefile, re.MULTILINE)
    ci = (root / ".ci" / "run").read_text()
    assert ".ci/system-deps.sh test curl" in ci
    assert "APT_PACKAGES" not in ci


def test_weasyprint_harfbuzz_subset_warning_does_not_fail_the_suite():
    """Without libharfbuzz-subset WeasyPrint warns on import; `filterwarnings = error` must not make that an error."""
    spec = importlib.util.find_spec("weasyprint")
    source = (Path(spec.origin).parent / "text" / "ffi.py").read_text()
    found = re.search(r"warnings\.warn\(\s*'(HarfBuzz-Subset[^']*)'\s*'([^']*)'", source)
    assert found, "WeasyPrint's HarfBuzz-Subset warning changed: update the filter in pyproject.toml"
    # Under pytest's filters from pyproject.toml this raises unless the warning is ignored there.
    warnings.warn(found[1] + found[2], DeprecationWarning, stacklevel=1)
