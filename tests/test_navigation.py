"""The main navigation marks exactly one item: the area the page belongs to."""

from __future__ import annotations

import re

import pytest
from django.test import Client
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


def _current_page_links(html: str) -> list[str]:
    navigation = html[html.index('aria-label="Hauptnavigation"') : html.index('id="inhalt"')]
    return re.findall(r'<a [^>]*aria-current="page"[^>]*>([^<]*)', navigation)


def test_the_navigation_rendered_once_per_process_still_fits_each_user_and_page(coordinator, admin_user, institution):
    # The layout keeps its rendered navigation in the "fragments" cache: one user's menu, marks or
    # language must never show up for another user or on another page.
    coordination, administration = Client(), Client()
    coordination.force_login(coordinator)
    administration.force_login(admin_user)
    for _ in range(2):  # the second round is served from the cache
        start = coordination.get(reverse("dashboard")).content.decode()
        assert _current_page_links(start) == ["Übersicht"]
        assert "Benutzerkonten" not in start
        inside = coordination.get(reverse("institution_detail", args=[institution.pk])).content.decode()
        assert _active_items(inside) == ["Netzwerk"]
        assert _current_page_links(inside) == []
        assert "Benutzerkonten" in administration.get(reverse("dashboard")).content.decode()
        assert 'id="glocke" aria-current="page"' not in start
        bell = coordination.get(reverse("notification_list")).content.decode()
        assert 'id="glocke" aria-current="page"' in bell
        assert [item for item in _active_items(bell) if item.strip()] == []  # only the bell (no text) is marked
        english = coordination.get(reverse("dashboard"), headers={"accept-language": "en"}).content.decode()
        assert "Übersicht" not in english
