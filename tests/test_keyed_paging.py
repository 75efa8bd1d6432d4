"""get_page_keyed: a list page whose SQL is compiled once per key must show what Django's Paginator shows —
the same rows, page number and page count — for every user, filter and page number, and a compiled page
must still read the current rows."""

from __future__ import annotations

import pytest
from django.core.paginator import Paginator
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Count, Q
from django.urls import reverse

from conferences.forms.cases import CaseFilterForm
from conferences.forms.filters import TaskFilterForm
from conferences.models import Case, Task
from conferences.models.task import visibility_key
from conferences.queries.tasks import my_tasks_queryset
from kooperation.core import compiled
from kooperation.core.paging import get_page_keyed
from tests.conference_fixtures import join_team, open_case, plan

pytestmark = pytest.mark.django_db

NUMBERS = [1, 2, 3, 4, 0, -1, "x", None, 99]


def _page_facts(page) -> tuple:
    return ([row.pk for row in page.object_list], page.number, page.paginator.count, page.paginator.num_pages)


def _cases(user, form):
    return (
        form.filter_queryset(Case.objects.visible_to(user))
        .annotate(open_tasks=Count("tasks", filter=Q(tasks__status="offen"), distinct=True))
        .order_by("-created_at", "-pk")
    )


@pytest.fixture
def cases(agreement, coordinator, institution, partner_institution, partner_worker, member):
    made = [open_case(coordinator, agreement, institution, [partner_institution]) for _ in range(5)]
    for case in made[:3]:
        join_team(case, member)
    join_team(made[0], partner_worker, partner_institution)
    return made


@pytest.mark.parametrize("query", [{}, {"q": "K"}, {"q": "nichts-dergleichen"}, {"agreement": "999999"}])
def test_case_pages_equal_the_paginators(cases, coordinator, member, partner_worker, outsider, agreement, query):
    query = query or {}
    for user in (coordinator, member, partner_worker, outsider):
        for data in (query, {**query, "agreement": str(agreement.pk)} if "agreement" not in query else query):
            form = CaseFilterForm(data or None, user=user)
            key = ("test-cases", *visibility_key(user), form.filter_key())
            for number in NUMBERS:
                # Twice: compiled by the first call, run by the second.
                for _ in range(2):
                    keyed = get_page_keyed(key, lambda u=user, f=form: _cases(u, f), 2, number, DEFAULT_DB_ALIAS)
                    expected = Paginator(_cases(user, form), 2).get_page(number)
                    assert _page_facts(keyed) == _page_facts(expected), (user, data, number)
                    assert [row.open_tasks for row in keyed] == [row.open_tasks for row in expected]


def test_task_pages_equal_the_paginators(cases, coordinator, member, institution):
    for case in cases:
        conference = plan(case, coordinator)
        for what in ("Termin", "Bericht", "Anruf"):
            Task.objects.create(
                case=case, conference=conference, what=what, responsible_institution=institution, due_on=conference.date
            )
    for user in (coordinator, member):
        for data in ({}, {"scope": "ich"}, {"kind": "faelle"}, {"kind": "sitzungen"}, {"status": "unbekannt"}):
            form = TaskFilterForm(data or None, user=user)
            key = ("test-tasks", *visibility_key(user), form.filter_key())
            for number in NUMBERS:
                keyed = get_page_keyed(
                    key, lambda u=user, f=form: f.filter_queryset(my_tasks_queryset(u)), 4, number, DEFAULT_DB_ALIAS
                )
                expected = Paginator(form.filter_queryset(my_tasks_queryset(user)), 4).get_page(number)
                assert _page_facts(keyed) == _page_facts(expected), (user, data, number)


def test_a_compiled_page_reads_the_current_rows(cases, coordinator, agreement, institution):
    form = CaseFilterForm(None, user=coordinator)
    key = ("test-current", *visibility_key(coordinator), form.filter_key())
    first = get_page_keyed(key, lambda: _cases(coordinator, form), 10, 1, DEFAULT_DB_ALIAS)
    assert first.paginator.count == 5
    newest = open_case(coordinator, agreement, institution)
    again = get_page_keyed(key, lambda: _cases(coordinator, form), 10, 1, DEFAULT_DB_ALIAS)
    assert again.paginator.count == 6
    assert again.object_list[0].pk == newest.pk
    # Page 7 of one row each: empty when compiled (Django's Paginator shows the last page), then a seventh case.
    before = get_page_keyed(key, lambda: _cases(coordinator, form), 1, 7, DEFAULT_DB_ALIAS)
    assert (before.number, before.paginator.num_pages) == (6, 6)
    open_case(coordinator, agreement, institution)
    after = get_page_keyed(key, lambda: _cases(coordinator, form), 1, 7, DEFAULT_DB_ALIAS)
    assert (after.number, after.paginator.num_pages) == (7, 7)
    assert after.object_list[0].pk == cases[0].pk  # the oldest, last by "-created_at"


def test_filter_key_names_the_filters_values(coordinator, agreement):
    blank = CaseFilterForm(None, user=coordinator).filter_key()
    assert blank == ("ungültig",)  # unbound: filter_queryset applies no filter
    by_code = CaseFilterForm({"q": "K-1"}, user=coordinator).filter_key()
    by_agreement = CaseFilterForm({"agreement": str(agreement.pk)}, user=coordinator).filter_key()
    assert len({blank, by_code, by_agreement}) == 3
    assert ("agreement", ("agreements.Agreement", agreement.pk)) in by_agreement
    # An agreement the user cannot see is an invalid choice: no filter, as filter_queryset does.
    assert CaseFilterForm({"agreement": "999999"}, user=coordinator).filter_key() == ("ungültig",)


def test_a_distinct_queryset_is_refused(coordinator):
    compiled.clear_keyed()
    with pytest.raises(ValueError, match="DISTINCT"):
        get_page_keyed(("test-distinct",), lambda: Case.objects.distinct().order_by("pk"), 2, 1, DEFAULT_DB_ALIAS)


def test_the_views_compile_per_user_and_filter(cases, client, coordinator, member):
    """The list pages' keys differ per user and filter: each sees its own rows from the same worker."""
    compiled.clear_keyed()
    seen = {}
    for user in (coordinator, member):
        client.force_login(user)
        for query in ("", "?q=zzzz"):
            response = client.get(reverse("case_list") + query)
            seen[(user.pk, query)] = response.context["page_obj"].paginator.count
    assert seen[(coordinator.pk, "")] == 5
    assert seen[(member.pk, "")] == 3
    assert seen[(coordinator.pk, "?q=zzzz")] == seen[(member.pk, "?q=zzzz")] == 0
