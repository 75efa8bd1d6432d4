"""The main navigation marks exactly one item: the area the page belongs to."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from kooperation.context_processors import current_nav_item

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("path", "item"),
    [
        ("/", "dashboard"),
        ("/vereinbarungen/", "agreements"),
        ("/vereinbarungen/7/leitfaden/", "agreements"),
        # A path that contains another item's address further on belongs to the one it starts with.
        ("/faelle/3/aufgaben/", "cases"),
        ("/netzwerk/2/vereinbarungen/", "network"),
        ("/aufgaben/4/stand/", "tasks"),
        # The start page is no prefix of every page.
        ("/verwaltung/benutzer/", ""),
    ],
)
def test_the_current_item_is_the_longest_address_the_path_starts_with(path, item):
    assert current_nav_item(path) == item


def _active_items(html: str) -> list[str]:
    navigation = html[html.index('aria-label="Hauptnavigation"') : html.index('id="inhalt"')]
    return re.findall(r'<a class="nav-link[^"]*\bactive\b[^"]*"[^>]*>([^<]*)', navigation)


@pytest.mark.parametrize(
    ("url", "label"),
    [
        (reverse("dashboard"), "Übersicht"),
        (reverse("agreement_list"), "Vereinbarungen"),
        (reverse("institution_list"), "Netzwerk"),
        (reverse("my_tasks"), "Meine Aufgaben"),
    ],
)
def test_one_nav_item_is_marked(client_for, coordinator, institution, url, label):
    html = client_for(coordinator).get(url).content.decode()
    assert _active_items(html) == [label]


def test_a_page_inside_an_area_marks_that_area_only(client_for, coordinator, institution):
    html = client_for(coordinator).get(reverse("institution_detail", args=[institution.pk])).content.decode()
    assert _active_items(html) == ["Netzwerk"]
