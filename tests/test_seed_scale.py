"""seed_demo --scale N: N copies of the demo network, repeatable, contracts rendered on first download."""

from __future__ import annotations

import hashlib
import importlib
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth.hashers import check_password
from django.core.management import call_command
from django.db.models import Count
from django.urls import reverse

from agreements.models import Agreement, CatalogueEntry, FrozenContract, Status
from conferences.models import Case
from kooperation.management.commands.seed_demo import DEMO_PASSWORD, DEMO_USERS, INSTITUTIONS
from kooperation.network.models import Arbeitsfeld, Institution, Membership, User
from kooperation.ops.models import MailStatus, OutgoingMail

pytestmark = pytest.mark.django_db

# Per copy of the demo network: the agreements in each status (the amendment is the second in Erarbeitung).
PER_COPY = {
    Status.ENTWURF: 1,
    Status.IN_ERARBEITUNG: 2,
    Status.IN_ABSTIMMUNG: 1,
    Status.ZUR_UNTERZEICHNUNG: 1,
    Status.IN_KRAFT: 1,
    Status.UEBERPRUEFUNG_FAELLIG: 1,
    Status.UNTERZEICHNET: 1,  # signed, valid from next year
    Status.VERWORFEN: 1,  # a discarded draft
}


def _counts() -> dict:
    return {
        "institutions": Institution.objects.count(),
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
        "cases": Case.objects.count(),
        "contracts": FrozenContract.objects.count(),
        "statuses": dict(Agreement.objects.values_list("status").annotate(n=Count("id")).order_by()),
    }


@pytest.fixture
def catalogues():
    # An earlier live-server test may have flushed what the migrations loaded.
    if not Arbeitsfeld.objects.exists():
        importlib.import_module("kooperation.network.migrations.0002_default_arbeitsfelder").create_fields(apps, None)
    if not CatalogueEntry.objects.exists():
        importlib.import_module("agreements.migrations.0002_default_catalogues").load_catalogues(apps, None)


def test_seed_scale_3_makes_three_networks_and_is_repeatable(catalogues, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", "--scale", "3", stdout=StringIO())
    counts = _counts()
    assert counts["institutions"] == 3 * len(INSTITUTIONS)
    # Per region one more account: the Fachkraft asked for, waiting for its Koordination's confirmation.
    assert counts["users"] == 3 * (len(DEMO_USERS) + 1)
    assert User.objects.filter(is_active=False, invitations__status="angefragt").count() == 3
    assert counts["memberships"] == 3 * sum(len(roles) for *_r, roles, _admin in DEMO_USERS)
    assert counts["cases"] == 3 * 3
    assert counts["statuses"] == {status: 3 * n for status, n in PER_COPY.items()}
    # Every frozen revision has its contract recorded (fingerprint), none rendered yet.
    assert counts["contracts"] == 3 * 4  # zur Unterzeichnung, in Kraft, Überprüfung fällig, unterzeichnet
    assert not FrozenContract.objects.exclude(file="").exists()
    # The copies are separate networks: the third region's coordinator sees its own agreements only.
    coordinator = User.objects.get(email="koordination.3@kooperation.example")
    visible = Agreement.objects.visible_to(coordinator)
    assert visible.count() == sum(PER_COPY.values())
    assert all(title.endswith("(Region 3)") for title in visible.values_list("title", flat=True))
    # One hash for all accounts that may sign in, and it is the demo password.
    assert User.objects.filter(is_active=True).values("password").distinct().count() == 1
    assert check_password(DEMO_PASSWORD, coordinator.password)
    # The demo's mails are sent in bulk per copy (no task and commit per mail), none left waiting.
    assert OutgoingMail.objects.count() > 0
    assert not OutgoingMail.objects.exclude(status=MailStatus.SENT).exists()

    call_command("seed_demo", "--scale", "3", stdout=StringIO())
    assert _counts() == counts


def test_demo_contract_is_rendered_on_first_download_and_then_served_identically(
    catalogues, settings, tmp_path, client
):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", stdout=StringIO())
    agreement = Agreement.objects.get(status=Status.ZUR_UNTERZEICHNUNG)
    contract = FrozenContract.objects.get(agreement=agreement)
    assert not contract.file
    assert contract.sha256 == ""
    client.force_login(User.objects.get(email="leitung@kooperation.example"))
    url = reverse("contract_download", args=[agreement.pk])
    first = b"".join(client.get(url).streaming_content)
    contract.refresh_from_db()
    assert first.startswith(b"%PDF-")
    assert contract.sha256 == hashlib.sha256(first).hexdigest()
    assert contract.size == len(first)
    assert contract.pages >= 1
    with contract.file.open("rb") as handle:
        assert handle.read() == first
    assert b"".join(client.get(url).streaming_content) == first
