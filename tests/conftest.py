"""Shared fixtures: per institution an owner (Koordination), a member and an outsider."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import translation

from agreements.services.agreement import create_agreement
from kooperation.network import twofactor
from kooperation.network.models import Role
from tests.factories import InstitutionFactory, MembershipFactory, UserFactory
from tests.rendered_html import pytest_configure, pytest_sessionfinish  # noqa: F401 - hooks of this conftest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _german_outside_requests():
    """Each test starts in German: a request in English (LocaleMiddleware) leaves its language
    active in the thread, and a later test's messages built outside a request would follow it."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _own_document_cache(settings, request):
    """Each test starts with an empty documents cache (in memory), never the project's cache folder."""
    settings.CACHES = {
        **settings.CACHES,
        "documents": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": request.node.nodeid},
    }


def make_institution():
    return InstitutionFactory(name="Jugendamt Teststadt", short_name="JA")


def make_other_institution():
    return InstitutionFactory(name="Drogenberatung Anderswo", short_name="DB")


def make_partner_institution():
    return InstitutionFactory(name="Klinikum Teststadt", short_name="KL")


@pytest.fixture(autouse=True)
def _force_login_is_a_complete_sign_in(monkeypatch):
    """`client.force_login` (and `client.login`) stand for a finished sign-in with both factors.

    The real two-step sign-in is tested through the login views (tests/test_two_factor.py); other
    tests only need a signed-in session, also for Administration and Leitung, who must use a
    second factor and would otherwise be sent to its enrolment.
    """
    original = Client._login

    def _login(self, user, backend=None):
        original(self, user, backend)
        session = self.session
        session[twofactor.SESSION_STATE] = twofactor.VERIFIED
        session.save()

    monkeypatch.setattr(Client, "_login", _login)


@pytest.fixture
def institution(db):
    return make_institution()


@pytest.fixture
def other_institution(db):
    return make_other_institution()


def _member(institution, role, **kwargs):
    return MembershipFactory(institution=institution, role=role, user=UserFactory(**kwargs)).user


# The role users, built by these functions for the fixtures below (and shared worlds such as the
# permission matrix's): fixture name -> (role in the institution, first name).
ROLE_USERS = {
    "coordinator": (Role.KOORDINATION, "Kora"),
    "member": (Role.MITGLIED, "Mia"),
    "leader_user": (Role.LEITUNG, "Lea"),
    "caseworker": (Role.FACHKRAFT, "Fabian"),
}


def make_role_user(institution, name: str):
    role, first_name = ROLE_USERS[name]
    return _member(institution, role, first_name=first_name)


def make_outsider(other_institution):
    return _member(other_institution, Role.KOORDINATION, first_name="Otto")


def make_admin_user():
    return UserFactory(first_name="Ada", is_administration=True)


@pytest.fixture
def coordinator(institution):
    """Koordination of `institution`."""
    return make_role_user(institution, "coordinator")


@pytest.fixture
def member(institution):
    """Mitglied of `institution`: visible, but no write rights."""
    return make_role_user(institution, "member")


@pytest.fixture
def leader_user(institution):
    """Leitung of `institution`."""
    return make_role_user(institution, "leader_user")


@pytest.fixture
def caseworker(institution):
    """Fachkraft of `institution`."""
    return make_role_user(institution, "caseworker")


@pytest.fixture
def outsider(other_institution):
    """Koordination of another institution."""
    return make_outsider(other_institution)


@pytest.fixture
def admin_user(db):
    return make_admin_user()


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
    return make_partner_institution()


def make_agreement(institution, partner_institution, coordinator):
    """An agreement in Entwurf between `institution` (coordinating) and `partner_institution`."""
    return create_agreement(
        coordinator,
        title="Kooperationsvereinbarung Teststadt",
        preamble="Gemeinsam für Familien.",
        coordinating_institution=institution,
        institutions=[partner_institution],
    )


@pytest.fixture
def agreement(institution, partner_institution, coordinator):
    """An agreement in Entwurf between `institution` (coordinating) and `partner_institution`."""
    return make_agreement(institution, partner_institution, coordinator)


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
