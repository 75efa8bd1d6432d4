"""On a 390 px phone the main pages fit the screen: lists turn into stacked cards, nothing scrolls sideways."""

from __future__ import annotations

import importlib
import os
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from agreements.models import Agreement, Status
from kooperation.management.commands.seed_demo import DEMO_PASSWORD
from kooperation.network.models import Arbeitsfeld, User
from tests.browser.test_quality_journey import load_defaults

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
# Boxes that scroll sideways inside the page (a table in .table-responsive) hide their right part just the same.
SIDEWAYS_BOXES = """() => [...document.querySelectorAll('main *')].filter((el) => {
  const style = getComputedStyle(el);
  return ['auto', 'scroll'].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1;
}).map((el) => el.tagName + '.' + el.className)"""


@pytest.fixture
def demo(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # An earlier live-server test may have flushed what the migrations loaded.
    if not Arbeitsfeld.objects.exists():
        importlib.import_module("kooperation.network.migrations.0002_default_arbeitsfelder").create_fields(apps, None)
    load_defaults()
    call_command("seed_demo", stdout=StringIO())


def _fits_the_phone(page, name: str, folder: Path) -> None:
    """Assert no sideways scrolling of the page or of a box in it; save a full-page screenshot."""
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= page.evaluate("innerWidth"), f"{name}: the page is {width} px wide"
    assert page.evaluate(SIDEWAYS_BOXES) == [], f"{name}: boxes scroll sideways"
    page.screenshot(path=str(folder / f"mobile_{name}.png"), full_page=True)


def test_main_pages_fit_a_phone_without_sideways_scrolling(new_page, login, check_axe, demo, tmp_path):
    folder = Path(os.environ.get("BROWSER_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page = new_page(viewport=PHONE)
    login(page, User.objects.get(email="koordination@kooperation.example"), DEMO_PASSWORD)

    expect(page.get_by_role("heading", level=1)).to_contain_text("Guten Tag")
    _fits_the_phone(page, "start", folder)
    check_axe(page)

    page.goto("/vereinbarungen/")
    # Each row is a card; every cell names its column, as the hidden table header would.
    first_row = page.locator("table.table-cards tbody tr").first
    expect(first_row.locator("td[data-label=Status] .badge")).to_be_visible()
    assert first_row.evaluate("(row) => getComputedStyle(row).display") == "block"
    _fits_the_phone(page, "agreement_list", folder)
    check_axe(page)

    page.goto("/faelle/")
    expect(page.locator("table.table-cards tbody tr").first.locator("td[data-label=Fall] a")).to_be_visible()
    _fits_the_phone(page, "case_list", folder)
    check_axe(page)
    page.locator("table.table-cards tbody tr").first.locator("td[data-label=Fall] a").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Fall F-")
    _fits_the_phone(page, "case_detail", folder)
    check_axe(page)

    page.goto("/aufgaben/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Meine Aufgaben")
    _fits_the_phone(page, "task_list", folder)
    check_axe(page)


def _sections_5_to_7_are_cards(page) -> None:
    """Kommunikation, Datenschutz, Ablaufpläne: each row a card whose cells name their column."""
    tables = (("kommunikation", "Was"), ("datenschutz", "Welche Information"), ("ablaufplaene", "Arbeitsfeld"))
    for key, label in tables:
        row = page.locator(f"#abschnitt-{key} table.table-cards tbody tr").first
        expect(row.locator(f'td[data-label="{label}"]')).to_be_visible()
        assert row.evaluate("(row) => getComputedStyle(row).display") == "block", key


def test_agreement_pages_fit_a_phone_without_sideways_scrolling(new_page, login, check_axe, demo, tmp_path):
    """An agreement in work and one in force, and the approval page: the tables of §§ 5–7 become cards."""
    folder = Path(os.environ.get("BROWSER_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page = new_page(viewport=PHONE)
    login(page, User.objects.get(email="koordination@kooperation.example"), DEMO_PASSWORD)

    in_force = Agreement.objects.filter(status=Status.IN_KRAFT).order_by("pk").first()
    page.goto(in_force.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_contain_text(in_force.title)
    _sections_5_to_7_are_cards(page)
    _fits_the_phone(page, "agreement_in_force", folder)
    check_axe(page)

    in_work = Agreement.objects.filter(status=Status.IN_ERARBEITUNG, predecessor=in_force).get()
    page.goto(in_work.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_contain_text(in_work.title)
    _sections_5_to_7_are_cards(page)
    _fits_the_phone(page, "agreement_in_work", folder)
    check_axe(page)

    voting = Agreement.objects.filter(status=Status.IN_ABSTIMMUNG).order_by("pk").first()
    page.goto(reverse("agreement_approval", args=[voting.pk]))
    expect(page.get_by_role("heading", level=2, name="Der Text, wie er unterschrieben wird")).to_be_visible()
    _fits_the_phone(page, "agreement_approval", folder)
    check_axe(page)
