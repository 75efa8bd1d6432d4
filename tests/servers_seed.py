"""Seed data for the two-server test, run in that test's own database: `manage.py shell -c`.

Prints one JSON line: the agreement (approved by every partner, ready for release), the Koordination
who releases it and the Leitung accounts that must sign.
"""

from __future__ import annotations

import json

from kooperation.network.models import Role
from tests import signing_data as sd
from tests.factories import InstitutionFactory, MembershipFactory, UserFactory

PASSWORD = "zwei-server-passwort-2026"


def main() -> None:
    coordinator = UserFactory(email="koordination@zwei-server.example", first_name="Kim")
    coordinator.set_password(PASSWORD)
    coordinator.save()
    home = InstitutionFactory(name="Jugendamt Zweistadt", short_name="JA")
    MembershipFactory(institution=home, role=Role.KOORDINATION, user=coordinator)
    parties = [sd.party(home, koordination=coordinator), sd.party(InstitutionFactory(name="Klinikum Zweistadt"))]
    agreement = sd.approved(parties)
    print(
        json.dumps(
            {
                "agreement": agreement.pk,
                "coordinator": coordinator.email,
                "password": PASSWORD,
                "leitung": sorted(p.leitung.email for p in parties),
            }
        )
    )
