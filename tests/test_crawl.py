"""No dead links: every demo role follows the links it is shown, and none answers 403 or 404.

The demo network (seed_demo) is built once; one demo account per combination of roles crawls
from its dashboard (tests/crawl.py), visiting a few URLs of each route. A page may offer only
what the user may use — the same check as the view. The HTML of every page visited is kept for
the HTML check (tests/html_check.py): zero Nu Html Checker errors.
"""

from __future__ import annotations

import importlib
import time
from io import StringIO
from unittest import mock

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import Client, override_settings
from weasyprint import HTML

from agreements.models import CatalogueEntry
from kooperation.core.documents import PdfRenderer
from kooperation.management.commands.seed_demo import DEMO_USERS, DOMAIN
from kooperation.network import twofactor
from kooperation.network.models import Arbeitsfeld, Role, User
from tests import html_check
from tests.crawl import crawl
from tests.shared_data import built_once

# Part of every run, CI included (about a minute and a half: seeding, seven crawls, one Java run);
# `-m "not crawl"` leaves it out of a quick local run.
# One worker runs the whole module (`--dist loadgroup`), so the demo network is seeded and crawled once.
pytestmark = [pytest.mark.django_db, pytest.mark.crawl, pytest.mark.xdist_group("crawl")]


# One demo account per distinct combination of roles (and administration): another account with the same
# roles is shown the same links in another institution.
ACCOUNTS = list(
    {(frozenset(roles), admin): local for local, _first, _last, _short, roles, admin in reversed(DEMO_USERS)}.values()
)[::-1]


def _seed() -> None:
    # An earlier live-server test may have flushed what the migrations loaded.
    if not Arbeitsfeld.objects.exists():
        importlib.import_module("kooperation.network.migrations.0002_default_arbeitsfelder").create_fields(apps, None)
    if not CatalogueEntry.objects.exists():
        importlib.import_module("agreements.migrations.0002_default_catalogues").load_catalogues(apps, None)
    call_command("seed_demo", stdout=StringIO())


@pytest.fixture(scope="module", autouse=True)
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    with built_once(django_db_blocker, tmp_path_factory.mktemp("media"), _seed):
        yield


@pytest.fixture(scope="module")
def crawled(demo, django_db_blocker):
    """Each demo account's crawl result, and the HTML pages all of them rendered."""
    pages = html_check.PageCollection()
    results = {}
    # Links to PDFs are checked for access, not rendered: WeasyPrint would take most of the crawl's time.
    # One blank page, rendered once: a frozen contract's page count is read from the file.
    blank = HTML(string="<p></p>").write_pdf()
    fake_pdf = mock.patch.object(PdfRenderer, "render", lambda self: (self.filename(), self.mimetype, blank))
    with django_db_blocker.unblock(), override_settings(DEBUG=False), fake_pdf:
        for local in ACCOUNTS:
            client = Client()
            client.force_login(User.objects.get(email=f"{local}@{DOMAIN}"))
            # Administration and Leitung sign in with a second factor; force_login stands for the whole sign-in.
            session = client.session
            session[twofactor.SESSION_STATE] = twofactor.VERIFIED
            session.save()
            started = time.perf_counter()
            # The same address shows each role other links and forms: every role's version is checked.
            results[local] = crawl(
                client, on_page=lambda url, content, local=local: pages.add(f"{url} ({local})", content)
            )
            # Shown when a test fails: how long each crawl took, and its slowest routes.
            slowest = sorted(results[local].seconds.items(), key=lambda item: -item[1])[:5]
            print(
                f"{local}: {len(results[local].statuses)} pages in {time.perf_counter() - started:.1f} s;",
                ", ".join(f"{route or '/'} {seconds:.1f} s" for route, seconds in slowest),
            )
    return results, pages


def test_the_crawl_accounts_cover_every_role_and_administration():
    roles = {role for local, *_names, roles, _admin in DEMO_USERS if local in ACCOUNTS for role in roles}
    assert roles == set(Role)
    assert any(admin for local, *_rest, admin in DEMO_USERS if local in ACCOUNTS)


def test_the_checker_reports_what_it_finds():
    pages = html_check.PageCollection()
    pages.add("/kaputt/", b'<!doctype html><html lang="de"><title>x</title><p class="a" class="b">x</p></html>')
    errors = html_check.validate(pages)
    assert len(errors) == 1
    assert errors[0].startswith("/kaputt/:1: Duplicate attribute")


def test_no_demo_role_meets_a_dead_link(crawled):
    results, _pages = crawled
    for local, result in results.items():
        assert len(result.statuses) > 10, f"the crawl for {local} found almost no pages"
    report = "\n".join(f"{local}:\n{result.describe_dead()}" for local, result in results.items() if result.dead)
    assert not report, f"Tote Links (403/404):\n{report}"


def test_every_crawled_page_is_valid_html(crawled):
    _results, pages = crawled
    errors = html_check.validate(pages)
    assert not errors, f"Nu Html Checker, {len(errors)} Fehler:\n" + "\n".join(errors)
