"""Shared fixtures: per institution an owner (Koordination), a member and an outsider."""

from __future__ import annotations

import pytest

from agreements.services.agreement import create_agreement
from kooperation.network.models import Role
from tests.factories import InstitutionFactory, MembershipFactory, UserFactory


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def institution(db):
    return InstitutionFactory(name="Jugendamt Teststadt", short_name="JA")


@pytest.fixture
def other_institution(db):
    return InstitutionFactory(name="Drogenberatung Anderswo", short_name="DB")


def _member(institution, role, **kwargs):
    return MembershipFactory(institution=institution, role=role, user=UserFactory(**kwargs)).user


@pytest.fixture
def coordinator(institution):
    """Koordination of `institution`."""
    return _member(institution, Role.KOORDINATION, first_name="Kora")


@pytest.fixture
def member(institution):
    """Mitglied of `institution`: visible, but no write rights."""
    return _member(institution, Role.MITGLIED, first_name="Mia")


@pytest.fixture
def leader_user(institution):
    return _member(institution, Role.LEITUNG, first_name="Lea")


@pytest.fixture
def caseworker(institution):
    return _member(institution, Role.FACHKRAFT, first_name="Fabian")


@pytest.fixture
def outsider(other_institution):
    """Koordination of another institution."""
    return _member(other_institution, Role.KOORDINATION, first_name="Otto")


@pytest.fixture
def admin_user(db):
    return UserFactory(first_name="Ada", is_administration=True)


@pytest.fixture
def client_for(client):
    """Return a logged-in test client for a user."""

    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def partner_institution(db):
    """A third institution, partner of `agreement` next to `institution`."""
    return InstitutionFactory(name="Klinikum Teststadt", short_name="KL")


@pytest.fixture
def agreement(institution, partner_institution, coordinator):
    """An agreement in Entwurf between `institution` (coordinating) and `partner_institution`."""
    return create_agreement(
        coordinator,
        title="Kooperationsvereinbarung Teststadt",
        preamble="Gemeinsam für Familien.",
        coordinating_institution=institution,
        institutions=[partner_institution],
    )


# Cases, consents, conferences, meetings and tasks (conferences app).
from tests.conference_fixtures import (  # noqa: E402
    case_without_consent,
    colleague,
    conference,
    consent,
    final_conference,
    final_meeting,
    help_case,
    media_root,
    meeting,
    partner_worker,
    task,
)

__all__ = [
    "case_without_consent",
    "colleague",
    "conference",
    "consent",
    "final_conference",
    "final_meeting",
    "help_case",
    "media_root",
    "meeting",
    "partner_worker",
    "task",
]
