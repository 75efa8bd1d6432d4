"""The per-request reads with precompiled SQL (session, user, memberships), the audit actor and CSP middleware.

They must give exactly what Django's ORM gives and refuse exactly what Django refuses; these tests
run on SQLite and on PostgreSQL alike.
"""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from csp.decorators import csp_update
from csp.middleware import CSPMiddleware
from django.contrib.sessions.backends import db as django_db_sessions
from django.contrib.sessions.models import Session
from django.db import connection
from django.db.models.signals import pre_save
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from kooperation.core import sessions
from kooperation.core.audit import AuditActorMiddleware
from kooperation.core.compiled import CompiledQuery
from kooperation.core.policy import CachedPolicyCSPMiddleware
from kooperation.network.models import Membership, Role, User
from kooperation.network.scope import memberships
from tests.factories import PASSWORD, ArbeitsfeldFactory, InstitutionFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _fields(instance) -> dict:
    return {name: value for name, value in vars(instance).items() if not name.startswith("_")}


def _redirected_to_login(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("login"))


# --- session ------------------------------------------------------------------------------------


def test_sessions_use_the_precompiled_store():
    from django.conf import settings

    assert settings.SESSION_ENGINE == "kooperation.core.sessions"


@pytest.mark.parametrize(
    ("writer", "reader"),
    [
        (django_db_sessions.SessionStore, sessions.SessionStore),
        (sessions.SessionStore, django_db_sessions.SessionStore),
    ],
)
def test_sessions_written_by_djangos_store_stay_readable_and_the_other_way_round(writer, reader):
    # The class name is part of the salt that signs the data: it must stay "SessionStore".
    written = writer()
    written["kooperation"] = "ja"
    written.create()
    read = reader(written.session_key)
    assert read["kooperation"] == "ja"
    assert read.session_key == written.session_key


def test_session_row_is_read_like_djangos():
    store = sessions.SessionStore()
    store["x"] = 1
    store.create()
    row = sessions.SessionStore(store.session_key)._get_session_from_db()
    assert _fields(row) == _fields(Session.objects.get(session_key=store.session_key))
    assert timezone.is_aware(row.expire_date)


def test_expired_session_is_refused_and_forgotten():
    store = sessions.SessionStore()
    store["x"] = 1
    store.create()
    Session.objects.filter(session_key=store.session_key).update(expire_date=timezone.now() - timedelta(seconds=1))
    expired = sessions.SessionStore(store.session_key)
    assert expired.load() == {}
    assert expired.session_key is None  # a new key on the next save, as with Django's store


def test_session_expiring_exactly_now_is_refused():
    store = sessions.SessionStore()
    store["x"] = 1
    store.create()
    moment = Session.objects.get(session_key=store.session_key).expire_date
    with mock.patch("django.utils.timezone.now", return_value=moment):
        assert sessions.SessionStore(store.session_key).load() == {}
    with mock.patch("django.utils.timezone.now", return_value=moment - timedelta(microseconds=1)):
        assert sessions.SessionStore(store.session_key).load() == {"x": 1}


def test_unknown_session_key_is_refused():
    assert sessions.SessionStore("k" * 32).load() == {}


def test_expired_session_signs_out(client_for, member):
    client = client_for(member)
    assert client.get(reverse("dashboard")).status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    assert _redirected_to_login(client.get(reverse("dashboard")))


# --- user ---------------------------------------------------------------------------------------


def test_user_by_pk_is_read_like_djangos(member):
    member.last_login = timezone.now()
    member.save()
    fast = User.objects.get(pk=member.pk)
    slow = User.objects.filter(pk=member.pk).get()
    assert _fields(fast) == _fields(slow)
    assert fast._state.db == slow._state.db
    assert fast._state.adding is False
    assert timezone.is_aware(fast.last_login)
    assert fast.is_active is True


def test_missing_user_by_pk_raises_does_not_exist():
    with pytest.raises(User.DoesNotExist):
        User.objects.get(pk=987654)


def test_other_user_lookups_keep_the_orm(member):
    assert User.objects.get(email=member.email) == member
    assert User.objects.get(pk=str(member.pk)) == member
    with pytest.raises(ValueError, match="expected a number"):
        User.objects.get(pk="keine-zahl")


def test_sessions_of_the_password_backend_stay_signed_in(client, member):
    # Sign-ins record ModelBackend (ThrottleBackend only checks the lockout and loads no users).
    client.force_login(member, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert response.wsgi_request.user == member


def test_deactivated_account_is_signed_out(client, member):
    client.force_login(member, backend="django.contrib.auth.backends.ModelBackend")
    User.objects.filter(pk=member.pk).update(is_active=False)
    assert _redirected_to_login(client.get(reverse("dashboard")))


def test_deleted_account_is_signed_out(client_for):
    person = UserFactory()
    client = client_for(person)
    person.delete()
    assert _redirected_to_login(client.get(reverse("dashboard")))


def test_password_changed_elsewhere_signs_out_other_sessions(client_for, member):
    client = client_for(member)
    assert client.get(reverse("dashboard")).status_code == 200
    member.set_password(PASSWORD + "-neu")
    member.save()
    assert _redirected_to_login(client.get(reverse("dashboard")))


# --- memberships --------------------------------------------------------------------------------


def test_memberships_are_the_orms_rows_with_everything_loaded(django_assert_num_queries):
    person = UserFactory()
    field = ArbeitsfeldFactory()
    MembershipFactory(
        user=person, institution=InstitutionFactory(name="Zentrum", arbeitsfeld=field), role=Role.MITGLIED
    )
    MembershipFactory(user=person, institution=InstitutionFactory(name="Amt", is_active=False), role=Role.LEITUNG)
    MembershipFactory(user=person, institution=InstitutionFactory(name="Amt B"), role=Role.KOORDINATION)
    MembershipFactory(role=Role.MITGLIED)  # someone else's
    person = User.objects.get(pk=person.pk)
    expected = list(person.memberships.select_related("institution__arbeitsfeld"))
    with django_assert_num_queries(1):
        rows = memberships(person)
        assert [m.pk for m in rows] == [m.pk for m in expected]  # same order: institution name, role
        for fast, slow in zip(rows, expected, strict=True):
            assert _fields(fast) == _fields(slow)
            assert _fields(fast.institution) == _fields(slow.institution)
            assert _fields(fast.institution.arbeitsfeld) == _fields(slow.institution.arbeitsfeld)
            assert fast.user is person
            assert timezone.is_aware(fast.created_at)
        assert memberships(person) is rows  # once per request


def test_no_memberships_is_an_empty_list():
    assert memberships(User.objects.get(pk=UserFactory().pk)) == []
    assert Membership.objects.count() == 0


# --- the compiled query itself ------------------------------------------------------------------


def test_compiled_query_refuses_parameters_that_differ_from_the_compiled_ones(member):
    wrong = CompiledQuery(lambda email: User.objects.filter(email=email), lambda connection, email: [email.upper()])
    with pytest.raises(AssertionError):
        wrong.fetch("default", member.email)


def test_compiled_query_runs_with_new_values():
    first, second = UserFactory(), UserFactory()
    query = CompiledQuery(lambda email: User.objects.filter(email=email), lambda connection, email: [email])
    assert query.fetch("default", first.email) == [first]
    assert query.fetch("default", second.email) == [second]
    assert query.fetch("default", "niemand@test.example") == []
    assert connection.vendor in {"sqlite", "postgresql"}


# --- audit actor --------------------------------------------------------------------------------


def _write_during_request(user, view):
    request = RequestFactory().get("/")
    request.user = user
    return AuditActorMiddleware(view)(request)


def _last_entry(institution) -> LogEntry:
    return LogEntry.objects.get_for_object(institution).order_by("-pk").first()


def test_writes_during_a_request_record_the_signed_in_actor(member):
    institution = InstitutionFactory()

    def view(request):
        institution.name = "Umbenannt"
        institution.save()
        return HttpResponse("ok")

    _write_during_request(member, view)
    assert _last_entry(institution).actor == member
    institution.name = "Danach"
    institution.save()
    assert _last_entry(institution).actor is None  # nothing left over after the request


def test_nested_set_actor_wins_inside_the_request(member, coordinator):
    institution = InstitutionFactory()

    def view(request):
        with set_actor(coordinator):
            institution.name = "Verschachtelt"
            institution.save()
        return HttpResponse("ok")

    _write_during_request(member, view)
    assert _last_entry(institution).actor == coordinator


def test_the_actor_receiver_is_connected_once(member):
    def view(request):
        return HttpResponse("ok")

    _write_during_request(member, view)
    count = len(pre_save.receivers)
    for _ in range(3):
        _write_during_request(member, view)
    assert len(pre_save.receivers) == count


# --- Content-Security-Policy ---------------------------------------------------------------------


def _csp_headers(middleware_class, view, path="/"):
    response = middleware_class(view)(RequestFactory().get(path))
    return {
        header: sorted(response[header].split("; "))
        for header in ("Content-Security-Policy", "Content-Security-Policy-Report-Only")
        if header in response
    }


def _ok(request):
    return HttpResponse("ok")


def test_cached_policy_header_equals_django_csps():
    headers = _csp_headers(CachedPolicyCSPMiddleware, _ok)
    assert headers == _csp_headers(CSPMiddleware, _ok)
    assert "default-src 'self'" in headers["Content-Security-Policy"]


def test_a_views_own_policy_is_still_built_for_it():
    view = csp_update({"img-src": ["https://karten.example"]})(_ok)
    headers = _csp_headers(CachedPolicyCSPMiddleware, view)
    assert headers == _csp_headers(CSPMiddleware, view)
    assert "img-src 'self' data: https://karten.example" in headers["Content-Security-Policy"]
    assert "https://karten.example" not in str(_csp_headers(CachedPolicyCSPMiddleware, _ok))


def test_a_changed_policy_setting_is_built_anew(settings):
    middleware = CachedPolicyCSPMiddleware(_ok)
    middleware(RequestFactory().get("/"))
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    response = middleware(RequestFactory().get("/"))
    assert response["Content-Security-Policy"] == "default-src 'none'"
