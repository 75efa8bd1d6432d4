"""The Content-Security-Policy in a real browser: pages and htmx work, and a violation would be noticed."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import REPORT_CSP_VIOLATIONS, _is_csp_violation

pytestmark = pytest.mark.browser


def test_the_csp_check_notices_an_inline_style(browser, live_server):
    """The detector of the page fixtures works: an injected inline style is reported as a violation."""
    context = browser.new_context(base_url=live_server.url, locale="de-DE")
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    page = context.new_page()
    seen = []
    page.on("console", lambda message: seen.append(message.text) if _is_csp_violation(message) else None)
    page.goto(reverse("login"))
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">rot</p>')")
    page.wait_for_timeout(300)
    context.close()
    assert any("style-src" in text for text in seen), seen


def test_pages_and_htmx_rows_work_under_the_csp(page, login, agreement, coordinator, help_case):
    """Walk a page of each app; adding a section row (htmx) and the styled progress bar work without violations."""
    page.goto(reverse("login"))
    expect(page.get_by_role("button", name="Anmelden")).to_be_visible()
    login(page, coordinator)
    for url in (
        reverse("dashboard"),
        reverse("institution_list"),
        reverse("network_picture"),
        reverse("case_list"),
        reverse("case_detail", args=[help_case.pk]),
        reverse("my_tasks"),
    ):
        page.goto(url)
        expect(page.get_by_role("heading", level=1)).to_be_visible()

    page.goto(reverse("agreement_detail", args=[agreement.pk]))
    # The progress bar's width comes from a class in the stylesheet (an inline style would be blocked).
    expect(page.locator(".progress-bar.progress-w-0, .progress-bar[class*='progress-w-']").first).to_be_attached()

    page.goto(reverse("agreement_section", args=[agreement.pk, "ziele"]))
    total = page.locator("#id_zeilen-TOTAL_FORMS")
    before = int(total.input_value())
    page.get_by_role("button", name="Weitere Zeile").click()
    expect(total).to_have_value(str(before + 1))
    expect(page.locator(f"#id_zeilen-{before}-ORDER")).to_have_value(str(before + 1))
