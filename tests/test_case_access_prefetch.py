"""prefetch_case_access fetches with SQL compiled once what prefetch_related_objects would: the same rows, in the
same order, for one case and for a page of cases, and no query more when the pages read them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Prefetch, prefetch_related_objects

from conferences.access import _consents, _participations, _team, prefetch_case_access
from conferences.models import Case, CriterionCheck, Task, TaskStatus
from conferences.views.cases import case_conferences, case_open_tasks
from tests.conference_fixtures import join_team, open_case, plan, today

pytestmark = pytest.mark.django_db


def _snapshot(case, team: bool):
    consents = [(c.pk, c.case is case, [(i.pk, i.name) for i in c.institutions.all()]) for c in case.consents.all()]
    snapshot = {
        "participations": [(p.pk, p.case is case, p.institution.name) for p in case.participations.all()],
        "consents": consents,
    }
    if team:
        snapshot["team"] = [(m.pk, m.case is case, m.user_id, m.institution_id) for m in case.team_members.all()]
    return snapshot


@pytest.mark.parametrize("people", [True, False])
@pytest.mark.parametrize("team", [True, False])
def test_the_same_rows_as_prefetch_related(
    people,
    team,
    agreement,
    coordinator,
    institution,
    partner_institution,
    member,
    partner_worker,
    django_assert_num_queries,
):
    first = open_case(coordinator, agreement, institution, [partner_institution])
    join_team(first, member)
    join_team(first, partner_worker, partner_institution)
    second = open_case(coordinator, agreement, institution, [])
    join_team(second, member)
    pks = [first.pk, second.pk]

    reference = list(Case.objects.filter(pk__in=pks).order_by("pk"))
    lookups = [
        Prefetch("participations", queryset=_participations()),
        Prefetch("consents", queryset=_consents(people).prefetch_related("institutions")),
    ]
    if team:
        lookups.append(Prefetch("team_members", queryset=_team(people)))
    prefetch_related_objects(reference, *lookups)
    expected = [_snapshot(c, team) for c in reference]
    assert expected[0]["consents"][0][2]  # something to compare: a consent with institutions,
    assert len(expected[0]["participations"]) == 2  # two participations

    compiled = list(Case.objects.filter(pk__in=pks).order_by("pk"))
    prefetch_case_access(compiled, people=people, team=team)
    with django_assert_num_queries(0):
        assert [_snapshot(c, team) for c in compiled] == [_snapshot(c, team) for c in reference]
    # Asked again with the SQL from the connection's cache, and for one case: the same.
    again = list(Case.objects.filter(pk__in=pks).order_by("pk"))
    prefetch_case_access(again, people=people, team=team)
    single = Case.objects.get(pk=first.pk)
    prefetch_case_access([single], people=people, team=team)
    with django_assert_num_queries(0):
        assert [_snapshot(c, team) for c in again] == [_snapshot(c, team) for c in reference]
        assert _snapshot(single, team) == _snapshot(reference[0], team)


def test_what_is_prefetched_already_is_kept(agreement, coordinator, institution, django_assert_num_queries):
    case = open_case(coordinator, agreement, institution, [])
    case = Case.objects.prefetch_related("participations", "consents", "team_members").get(pk=case.pk)
    with django_assert_num_queries(0):
        prefetch_case_access([case])


def test_no_cases_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        prefetch_case_access([])


def test_the_case_overview_queries_return_what_the_orm_returns(
    agreement, coordinator, institution, partner_institution, django_assert_num_queries
):
    case = open_case(coordinator, agreement, institution, [partner_institution])
    first, second = plan(case, coordinator), plan(case, coordinator)
    for conference in (first, second):
        for position in (2, 1):
            CriterionCheck.objects.create(conference=conference, position=position, text=f"K{position}")
    for status, days in ((TaskStatus.OFFEN, 3), (TaskStatus.OFFEN, 1), (TaskStatus.ERLEDIGT, 2)):
        Task.objects.create(
            case=case,
            conference=first,
            what="x",
            responsible_institution=institution,
            due_on=today() + timedelta(days=days),
            status=status,
        )
    expected_conferences = list(
        case.conferences.select_related("moderator")
        .prefetch_related(Prefetch("checks", queryset=CriterionCheck.objects.order_by("position", "pk")))
        .order_by("date", "start_time", "pk")
    )
    expected_tasks = list(
        case.tasks.filter(status=TaskStatus.OFFEN)
        .select_related("responsible_institution", "responsible_user", "conference")
        .order_by("due_on", "pk")
    )
    assert len(expected_tasks) == 2
    conferences, tasks = case_conferences(case), case_open_tasks(case)
    with django_assert_num_queries(0):
        assert [
            (c.pk, c.case is case, c.moderator_id, [(k.pk, k.conference is c) for k in c.checks.all()])
            for c in conferences
        ] == [(c.pk, True, c.moderator_id, [(k.pk, True) for k in c.checks.all()]) for c in expected_conferences]
        assert [(t.pk, t.case is case, t.responsible_institution.name, t.conference.pk) for t in tasks] == [
            (t.pk, True, t.responsible_institution.name, t.conference.pk) for t in expected_tasks
        ]
