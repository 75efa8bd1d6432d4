"""The demo data of the conferences app: pseudonymous cases, a revoked consent, protocols, overdue tasks."""

from __future__ import annotations

import importlib
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from agreements.demo import MAIN_TITLE
from agreements.models import Agreement, CatalogueEntry
from conferences.models import Body, Case, Conference, Consent, Meeting, Task, TaskStatus
from kooperation.network.models import Arbeitsfeld, User

pytestmark = pytest.mark.django_db


def _seed() -> None:
    call_command("seed_demo", stdout=StringIO())


def test_seed_demo_adds_cases_conferences_and_meetings_once(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # An earlier live-server test may have flushed what the migrations loaded.
    if not Arbeitsfeld.objects.exists():
        importlib.import_module("kooperation.network.migrations.0002_default_arbeitsfelder").create_fields(apps, None)
    if not CatalogueEntry.objects.exists():
        importlib.import_module("agreements.migrations.0002_default_catalogues").load_catalogues(apps, None)
    _seed()
    counts = [Case.objects.count(), Conference.objects.count(), Task.objects.count(), Meeting.objects.count()]
    _seed()
    assert [Case.objects.count(), Conference.objects.count(), Task.objects.count(), Meeting.objects.count()] == counts
    assert counts[0] == 3
    assert Consent.objects.filter(revoked_on__isnull=False).count() == 1
    final = Conference.objects.filter(finalised_at__isnull=False)
    assert final.count() >= 4
    assert all(conference.checks.exclude(rating="").exists() for conference in final)
    today = timezone.localdate()
    assert Task.objects.filter(status=TaskStatus.OFFEN, due_on__lt=today).exists()
    assert {m.body for m in Meeting.objects.filter(finalised_at__isnull=False)} >= {
        Body.KOOPERATIONSGREMIUM,
        Body.VORBEREITUNGSGRUPPE,
    }
    assert Meeting.objects.filter(body=Body.UNTERGRUPPE).exists()
    for case in Case.objects.all():
        assert case.code.startswith(f"F-{today.year}-")


def test_demo_roles_meet_the_data_protection_pages(client, settings):
    """Each demo role meets the team, Abschluss, Löschsperre and Auskunft pages of the main case."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if not Arbeitsfeld.objects.exists():
        importlib.import_module("kooperation.network.migrations.0002_default_arbeitsfelder").create_fields(apps, None)
    if not CatalogueEntry.objects.exists():
        importlib.import_module("agreements.migrations.0002_default_catalogues").load_catalogues(apps, None)
    _seed()
    main = Case.objects.filter(conferences__isnull=False).order_by("pk").first()
    closed = Case.objects.get(closed_at__isnull=False)
    assert closed.on_legal_hold
    assert all(case.team_members.exists() for case in Case.objects.all())
    expected = {
        "koordination": 200,  # Koordination of the owning Jugendamt
        "fachkraft.jugendamt": 403,  # on the team, not Koordination
        "fachkraft": 403,  # DroBe, on the team
        "leitung": 404,  # Jugendamt, not on the team: need-to-know
        "mitglied": 404,  # DroBe Mitglied, on the team of another case only
        "admin": 404,  # Administration is no back door
    }
    for login, status in expected.items():
        client.force_login(User.objects.get(email=f"{login}@kooperation.example"))
        for name in ("case_team", "case_close", "case_legal_hold", "case_disclosure"):
            assert client.get(reverse(name, args=[main.pk])).status_code == status, (login, name)
    client.force_login(User.objects.get(email="fachkraft@kooperation.example"))
    page = client.get(
        reverse("conference_detail", args=[main.conferences.filter(finalised_at__isnull=False).first().pk])
    )
    assert "nicht freigegeben" in page.content.decode()


def test_demo_partner_page_takes_the_jugendamt_contribution_from_its_internal_clarification(client, settings):
    """Koordination meets "say it once": the main agreement's Jugendamt answered einbringen/wünschen internally."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if not Arbeitsfeld.objects.exists():
        importlib.import_module("kooperation.network.migrations.0002_default_arbeitsfelder").create_fields(apps, None)
    if not CatalogueEntry.objects.exists():
        importlib.import_module("agreements.migrations.0002_default_catalogues").load_catalogues(apps, None)
    _seed()
    main = Agreement.objects.get(title=MAIN_TITLE)
    client.force_login(User.objects.get(email="koordination@kooperation.example"))
    page = client.get(reverse("agreement_partners", args=[main.pk])).content.decode()
    assert "Aus der internen Klärung übernommen (noch nicht gespeichert): Jugendamt der Stadt Lindenbrück." in page
    assert "Hilfeplanung, Hilfen zur Erziehung und den Schutzauftrag nach § 8a SGB VIII." in page
