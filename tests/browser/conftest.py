"""Browser fixtures: Playwright (sync API) drives Debian's Chromium against pytest-django's live server.

Tests use the fixtures `page` (desktop, German locale), `new_page` (other viewports),
`login(page, user)` and `check_axe(page)`. Set BROWSER_SCREENSHOTS=/some/dir to save a
full-page screenshot of every page that `check_axe` looks at.

Every page fails its test on a JavaScript error or on any Content-Security-Policy violation
(reported by Chromium on the console and by the `securitypolicyviolation` event).
"""

from __future__ import annotations

import itertools
import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kooperation.network import twofactor
from tests.factories import PASSWORD

# The app secret the login helper gives accounts that must use a second factor (tests only).
BROWSER_TOTP_SECRET = "KOOPERATIONBROWSERTESTSECRET2345"
CHROMIUM = os.environ.get("KOOPERATION_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DESKTOP = {"width": 1280, "height": 900}
TIMEOUT_MS = 10_000
CSP_MARKER = "CSP-Verstoß:"
# Runs in every page before its own scripts: each CSP violation is written to the console with a marker.
REPORT_CSP_VIOLATIONS = (
    "document.addEventListener('securitypolicyviolation', function (e) {"
    f"  console.error('{CSP_MARKER} ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline')"
    "    + ' at ' + e.sourceFile + ':' + e.lineNumber + ' ' + (e.sample || ''));"
    "});"
)


def _is_csp_violation(message) -> bool:
    text = message.text
    return CSP_MARKER in text or "Content Security Policy" in text or "Content-Security-Policy" in text


_shot_numbers = itertools.count(1)


def _require_chromium() -> None:
    """Skip without Chromium locally; under CI a missing browser is a failure, never a skip."""
    if Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK):
        return
    message = f"Chromium not found at {CHROMIUM} (set KOOPERATION_CHROMIUM or install the chromium package)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}; browser tests must run in CI.", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """Launch Chromium once per test module."""
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        # Between sync calls Playwright marks its event loop as running in this thread, so
        # Django's ORM would refuse the test's own (synchronous) queries. The module scope
        # keeps this switch and the loop away from the tests that run after this module.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()


@pytest.fixture
def new_page(browser, live_server) -> Iterator[Callable]:
    """Return a factory for pages in fresh German browser contexts (own cookies each)."""
    contexts = []
    errors: list[str] = []
    violations: list[str] = []

    def make(**options):
        settings = {
            "base_url": live_server.url,
            "locale": "de-DE",
            "timezone_id": "Europe/Berlin",
            "viewport": DESKTOP,
            # Bootstrap then skips its transitions, so a page is settled when a check looks at it.
            "reduced_motion": "reduce",
            **options,
        }
        context = browser.new_context(**settings)
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
        page.on(
            "console",
            lambda message: violations.append(f"{page.url}: {message.text}") if _is_csp_violation(message) else None,
        )
        return page

    yield make
    for context in contexts:
        context.close()
    if errors:
        pytest.fail("JavaScript errors in the browser:\n" + "\n".join(errors), pytrace=False)
    if violations:
        pytest.fail("Content-Security-Policy violations in the browser:\n" + "\n".join(violations), pytrace=False)


@pytest.fixture
def page(new_page):
    """A desktop page in a German browser context."""
    return new_page()


def _screenshot(page) -> None:
    folder = os.environ.get("BROWSER_SCREENSHOTS")
    if not folder:
        return
    test = os.environ.get("PYTEST_CURRENT_TEST", "test").split(" ")[0].split("::")[-1]
    where = re.sub(r"[^A-Za-z0-9]+", "-", page.url.split("//", 1)[-1].split("/", 1)[-1]).strip("-") or "start"
    Path(folder).mkdir(parents=True, exist_ok=True)
    name = f"{re.sub(r'[^A-Za-z0-9_]+', '-', test)}-{next(_shot_numbers):03d}-{where}.png"
    page.screenshot(path=str(Path(folder) / name), full_page=True)


def _check_axe(page) -> None:
    """Fail the test if axe-core finds WCAG 2.1 A/AA violations on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import Error as PlaywrightError

    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    for attempt in range(3):
        # A click just before may have started a navigation: check the page that loads, not the
        # one being torn down (axe then sees no document, or its context is destroyed mid-run).
        page.wait_for_load_state("load")
        try:
            results = Axe().run(page, options=options)
            break
        except PlaywrightError as error:
            navigating = "documentElement" in str(error) or "context was destroyed" in str(error)
            if not navigating or attempt == 2:
                raise
            page.wait_for_timeout(200)
    _screenshot(page)
    violations = results.response["violations"]
    if not violations:
        return
    lines = [f"axe-core found {len(violations)} WCAG 2.1 A/AA violation(s) on {page.url}:"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    {target}: {node.get('failureSummary', '').replace(chr(10), ' ')}")
    pytest.fail("\n".join(lines), pytrace=False)


def _next_code(user) -> str:
    """A code the app would accept now: a time step after the last one used (a code counts only once)."""
    device = twofactor.app_device(user)
    device.refresh_from_db()
    now_step = int((time.time() - device.t0) // device.step)
    step = max(now_step, device.last_t + 1)
    return twofactor.current_code(device, at=device.t0 + step * device.step + 1)


def _login(page, user, password: str = PASSWORD) -> None:
    """Sign in through the login form (and the code step for Administration/Leitung); wait for the page behind it.

    Accounts that must use a second factor get an app with a known secret first, so the helper can
    type the code the app would show.
    """
    if twofactor.requires_second_factor(user) and not twofactor.has_second_factor(user):
        twofactor.enrol_with_secret(user, BROWSER_TOTP_SECRET)
    page.goto("/konto/anmelden/")
    page.locator("#id_username").fill(user.email)
    page.locator("#id_password").fill(password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/konto/anmelden/code/" in url or "/konto/anmelden/" not in url)
    if "/konto/anmelden/code/" in page.url:
        page.locator("#id_code").fill(_next_code(user))
        page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/konto/anmelden/" not in url)


@pytest.fixture
def check_axe() -> Callable:
    """Return check_axe(page): run axe-core (WCAG 2.1 A/AA) and fail listing every violation."""
    return _check_axe


@pytest.fixture
def login() -> Callable:
    """Return login(page, user): sign in through the German login page."""
    return _login
