"""The header's search field in a real browser: type, see the grouped results, open one."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.factories import OfferFactory

pytestmark = pytest.mark.browser


def test_member_searches_from_the_header_and_opens_a_result(page, login, check_axe, member, institution, help_case):
    OfferFactory(institution=institution, title="Erziehungsberatung für Eltern")
    login(page, member)
    search = page.get_by_role("search", name="Suche", exact=True)
    search.get_by_label("Suchbegriff").fill("Erziehungsberatung")
    search.get_by_role("button", name="Suchen").click()
    expect(page).to_have_url(re.compile(r"/suche/\?q=Erziehungsberatung"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Suche")
    offers = page.get_by_role("region", name="Angebote")
    expect(offers.get_by_role("link", name="Erziehungsberatung für Eltern")).to_be_visible()
    check_axe(page)

    # The case code, as the case team knows it: the case and nothing else of it.
    search = page.get_by_role("search", name="Suche", exact=True)
    expect(search.get_by_label("Suchbegriff")).to_have_value("Erziehungsberatung")
    search.get_by_label("Suchbegriff").fill(help_case.code)
    search.get_by_role("button", name="Suchen").click()
    cases = page.get_by_role("region", name="Fälle")
    expect(cases.get_by_role("link", name=help_case.code)).to_be_visible()
    check_axe(page)
    cases.get_by_role("link", name=help_case.code).click()
    expect(page).to_have_url(re.compile(rf"/faelle/{help_case.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(help_case.code)

    offers_link = f"/netzwerk/{institution.pk}/"
    page.get_by_role("search", name="Suche", exact=True).get_by_label("Suchbegriff").fill("Eltern")
    page.get_by_role("search", name="Suche", exact=True).get_by_label("Suchbegriff").press("Enter")
    page.get_by_role("region", name="Angebote").get_by_role("link", name="Erziehungsberatung für Eltern").click()
    expect(page).to_have_url(re.compile(rf"{offers_link}#angebote$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(institution.name)
