"""prefetch_case_access fetches with SQL compiled once what prefetch_related_objects would: the same rows, in the
same order, for one case and for a page of cases, and no query more when the pages read them."""

from __future__ import annotations

import pytest
from django.db.models import Prefetch, prefetch_related_objects

from conferences.access import _consents, _participations, _team, prefetch_case_access
from conferences.models import Case
from tests.conference_fixtures import join_team, open_case

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
