"""The demo data of the conferences app: pseudonymous cases, a revoked consent, protocols, overdue tasks."""

from __future__ import annotations

import importlib
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from agreements.models import CatalogueEntry
from conferences.models import Body, Case, Conference, Consent, Meeting, Task, TaskStatus
from kooperation.network.models import Arbeitsfeld

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
