"""The start page reads its lists with SQL compiled once per key (fetch_keyed): for every role it must give
what the ORM gives, and every input a query is built from must be part of its key (changing it changes the SQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone

from kooperation.core import compiled
from kooperation.network.models import Role
from kooperation.network.scope import institution_ids
from kooperation.pages import dashboard, start
from tests.factories import MembershipFactory
from tests.test_coordination import network, partner_coordinator  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def _snapshot(rows) -> list:
    """Rows as plain values: model instances with their loaded fields, annotations and select_related rows."""
    out = []
    for row in rows:
        if isinstance(row, dict):
            out.append(row)
            continue
        values = dict(row.__dict__)
        values.pop("_state")
        cached = {name: _snapshot([value])[0] for name, value in row._state.fields_cache.items()}
        out.append((type(row).__name__, values, cached))
    return out


@pytest.fixture
def people(coordinator, member, leader_user, caseworker, outsider, admin_user, partner_coordinator):  # noqa: F811
    return [coordinator, member, leader_user, caseworker, outsider, admin_user, partner_coordinator]


def _forms(user):
    """(compiled, ORM) pairs of every start page query for this user."""
    user._kooperation_memberships = None
    own, leitung = tuple(sorted(institution_ids(user))), tuple(sorted(institution_ids(user, Role.LEITUNG)))
    koordination = tuple(sorted(institution_ids(user, Role.KOORDINATION)))
    today = timezone.localdate()
    builds = {
        "open_answers": lambda: dashboard._open_answers(user.pk, own),
        "approvals": lambda: dashboard._approvals(user.pk, own),
        "partners": lambda: dashboard._partners(user.pk, own, leitung, today),
        "recent": lambda: dashboard._recent_agreements(user),
        "counts": lambda: start._counts(koordination),
        "rows": lambda: start._rows(koordination, today),
        "waiting": lambda: start._waiting(koordination, today),
    }
    for name, build in builds.items():
        key = (name, user.pk, user.is_administration, own, leitung, koordination, today)
        # Twice: the first call compiles, the second runs the kept SQL.
        first = compiled.fetch_keyed(key, build, DEFAULT_DB_ALIAS)
        second = compiled.fetch_keyed(key, build, DEFAULT_DB_ALIAS)
        reference = list(build())
        assert _snapshot(first) == _snapshot(reference), (name, user)
        assert _snapshot(second) == _snapshot(reference), (name, user)
        yield name, reference


def test_the_compiled_queries_give_what_the_orm_gives_for_each_role(network, people):  # noqa: F811
    seen = {}
    for user in people:
        for name, rows in _forms(user):
            seen[name] = seen.get(name, 0) + len(rows)
    # The comparison means something: the network fills the lists.
    assert all(seen[name] for name in ("partners", "recent", "counts", "rows", "waiting")), seen


def test_the_start_page_gives_the_same_context_as_before(network, people):  # noqa: F811
    """expectations() and overview() with the kept SQL equal a run with a fresh cache."""
    for user in people:
        compiled.clear_keyed()
        user._kooperation_memberships = None
        fresh = (_snapshot_context(dashboard.expectations(user)), _snapshot_context(start.overview(user)))
        again = (_snapshot_context(dashboard.expectations(user)), _snapshot_context(start.overview(user)))
        assert fresh == again


def _snapshot_context(context):
    if context is None:
        return None
    return {
        name: _snapshot(value) if isinstance(value, list) and value and not isinstance(value[0], tuple) else value
        for name, value in context.items()
    }


def _sql(queryset) -> tuple:
    sql, params = queryset.query.get_compiler(DEFAULT_DB_ALIAS).as_sql()
    return sql, tuple(params)


def test_each_key_input_reaches_its_query(coordinator, other_institution):
    today = timezone.localdate()
    tomorrow = today + timedelta(days=1)
    # Every argument of a query builder changes its SQL or parameters.
    variants = {
        dashboard._open_answers: [(1, (1,)), (2, (1,)), (1, (1, 2))],
        dashboard._approvals: [(1, (1,)), (2, (1,)), (1, (1, 2))],
        dashboard._partners: [
            (1, (1,), (1,), today),
            (2, (1,), (1,), today),
            (1, (2,), (1,), today),
            (1, (1,), (2,), today),
            (1, (1,), (1,), tomorrow),
        ],
        start._counts: [((1,),), ((1, 2),)],
        start._rows: [((1,), today), ((1, 2), today), ((1,), today.replace(year=today.year - 1))],
        start._waiting: [((1,), today), ((1, 2), today), ((1,), today.replace(year=today.year - 1))],
    }
    for build, arguments in variants.items():
        forms = [_sql(build(*args)) for args in arguments]
        assert len(set(forms)) == len(forms), build.__name__
    # The recent agreements depend on exactly what visible_to reads: the Administration flag and the institutions.
    coordinator._kooperation_memberships = None
    recent = _sql(dashboard._recent_agreements(coordinator))
    coordinator.is_administration = True
    assert _sql(dashboard._recent_agreements(coordinator)) != recent
    coordinator.is_administration = False
    MembershipFactory(user=coordinator, institution=other_institution, role=Role.MITGLIED)
    coordinator._kooperation_memberships = None
    assert _sql(dashboard._recent_agreements(coordinator)) != recent


def test_fetch_keyed_refuses_what_it_cannot_build(coordinator):
    from agreements.models import Agreement

    with pytest.raises(ValueError, match="cannot compile"):
        compiled.fetch_keyed(("values_list",), lambda: Agreement.objects.values_list("pk"), DEFAULT_DB_ALIAS)
    with pytest.raises(ValueError, match="only plain querysets"):
        compiled.fetch_keyed(("prefetch",), lambda: Agreement.objects.prefetch_related("partners"), DEFAULT_DB_ALIAS)
    # A queryset that is empty without asking the database gives [] (and is kept as such).
    assert compiled.fetch_keyed(("empty",), lambda: Agreement.objects.filter(pk__in=[]), DEFAULT_DB_ALIAS) == []
