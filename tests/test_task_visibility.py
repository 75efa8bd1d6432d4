"""Task.visible_to reuses the compiled SQL of its rules per visibility_key: it must decide as the ORM does,
and a change in any input of the rules (user, institutions, roles, Administration, the day) must reach it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from conferences.models import Body, Task, TaskStatus
from conferences.queries.tasks import my_tasks_queryset, summary_queryset, task_summary
from kooperation.core import subqueries
from kooperation.network.models import Role
from tests.conference_fixtures import join_team, make_meeting, open_case, plan, today
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _seen(user) -> set[int]:
    user._kooperation_memberships = None
    compiled_form = set(Task.objects.visible_to(user).values_list("pk", flat=True))
    assert compiled_form == set(Task.objects.visible_to_uncompiled(user).values_list("pk", flat=True))
    return compiled_form


def _task(case=None, conference=None, meeting=None, institution=None):
    return Task.objects.create(
        case=case,
        conference=conference,
        meeting=meeting,
        what="Termin vereinbaren",
        responsible_institution=institution
        or (case.owner_institution if case else meeting.agreement.coordinating_institution),
        due_on=today() + timedelta(days=7),
    )


@pytest.fixture
def world(agreement, coordinator, institution, partner_institution, partner_worker, member, colleague, outsider):
    case = open_case(coordinator, agreement, institution, [partner_institution])
    join_team(case, member)
    join_team(case, partner_worker, partner_institution)
    conference = plan(case, coordinator, invited=[coordinator, colleague])
    meeting = make_meeting(agreement, coordinator)
    subgroup_meeting = make_meeting(agreement, coordinator)
    subgroup_meeting.body = Body.UNTERGRUPPE
    subgroup_meeting.save()
    return {
        "case": case,
        "case_task": _task(case, conference),
        "meeting_task": _task(meeting=meeting),
        "subgroup_task": _task(meeting=subgroup_meeting),
    }


def test_the_compiled_rules_decide_as_the_orm(
    world, coordinator, member, partner_worker, colleague, outsider, admin_user
):
    case_task, meeting_task, subgroup_task = world["case_task"].pk, world["meeting_task"].pk, world["subgroup_task"].pk
    assert _seen(coordinator) == {case_task, meeting_task, subgroup_task}
    assert _seen(member) == {case_task, meeting_task}
    assert _seen(partner_worker) == {case_task, meeting_task}
    # Invited to the conference, not on the team: sees the conference's task.
    assert _seen(colleague) == {case_task, meeting_task}
    assert _seen(outsider) == set()
    assert _seen(admin_user) == {meeting_task}
    # Asked again (the SQL now comes from the cache), the same.
    assert _seen(member) == {case_task, meeting_task}


def test_a_second_user_of_the_same_institutions_does_not_get_the_first_ones_rule(world, member, institution):
    case_task = world["case_task"].pk
    assert case_task in _seen(member)
    other = MembershipFactory(institution=institution, role=Role.MITGLIED).user
    assert case_task not in _seen(other)


def test_a_new_koordination_role_reaches_the_rule(world, colleague, institution):
    case_task = world["case_task"].pk
    world["case_task"].conference.invited.remove(colleague)
    assert case_task not in _seen(colleague)
    MembershipFactory(user=colleague, institution=institution, role=Role.KOORDINATION)
    assert case_task in _seen(colleague)


def test_administration_reads_all_meetings_once_flagged(agreement, coordinator, outsider):
    task = _task(meeting=make_meeting(agreement, coordinator))
    assert task.pk not in _seen(outsider)
    outsider.is_administration = True
    assert task.pk in _seen(outsider)


def test_the_day_reaches_the_rule(world, partner_worker, monkeypatch):
    """A consent valid until today covers the partner today, not tomorrow (the day is part of the key)."""
    case_task = world["case_task"].pk
    world["case"].consents.update(valid_until=today())
    assert case_task in _seen(partner_worker)
    tomorrow = today() + timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: tomorrow)
    assert case_task not in _seen(partner_worker)


def test_nothing_to_see_is_an_empty_queryset_without_a_query(django_assert_num_queries, admin_user):
    subqueries.clear()
    admin_user.is_administration = False
    admin_user._kooperation_memberships = []
    with django_assert_num_queries(0):
        assert list(Task.objects.visible_to(admin_user)) == []


def test_leaving_an_institution_reaches_the_rule(world, partner_worker):
    case_task = world["case_task"].pk
    assert case_task in _seen(partner_worker)
    partner_worker.memberships.all().delete()
    assert case_task not in _seen(partner_worker)


def test_the_start_page_figures_count_the_assigned_tasks(
    world, coordinator, member, partner_worker, colleague, outsider, partner_institution
):
    """task_summary's condition on the row (`assigned`) counts what Meine Aufgaben lists."""
    # For the member in person, at an institution the member does not belong to.
    world["meeting_task"].responsible_user = member
    world["meeting_task"].responsible_institution = partner_institution
    world["meeting_task"].due_on = today() - timedelta(days=1)
    world["meeting_task"].save()
    _task(world["case"], world["case_task"].conference, institution=world["case_task"].responsible_institution)
    for user in (coordinator, member, partner_worker, colleague, outsider):
        user._kooperation_memberships = None
        listed = list(my_tasks_queryset(user).filter(status=TaskStatus.OFFEN))
        scope = [task for task in Task.objects.visible_to(user) if task.status == TaskStatus.OFFEN]
        expected = {
            "open": len(listed),
            "overdue": sum(task.due_on < today() for task in listed),
            "next_due": min((task.due_on for task in listed), default=None),
        }
        assert task_summary(user) == expected
        assert task_summary(user, overdue_in_scope=True) == {
            **expected,
            "overdue_in_scope": sum(task.due_on < today() for task in scope),
        }


def _aggregate_form(user, overdue_in_scope: bool) -> dict:
    """The figures as `aggregate()` computes them on the uncompiled rules (the reference)."""
    from django.db.models import Count, Min, Q

    from conferences.models.task import assigned

    tasks = Task.objects.visible_to_uncompiled(user).filter(status=TaskStatus.OFFEN)
    overdue = Q(due_on__lt=today())
    if not overdue_in_scope:
        return tasks.assigned_to(user).aggregate(
            open=Count("pk"), overdue=Count("pk", filter=overdue), next_due=Min("due_on")
        )
    mine = assigned(user)
    return tasks.filter(mine | overdue).aggregate(
        open=Count("pk", filter=mine),
        overdue=Count("pk", filter=mine & overdue),
        next_due=Min("due_on", filter=mine),
        overdue_in_scope=Count("pk", filter=overdue),
    )


def test_the_compiled_start_page_figures_equal_the_aggregate(
    world, coordinator, member, partner_worker, colleague, outsider, admin_user
):
    world["case_task"].due_on = today() - timedelta(days=2)
    world["case_task"].save()
    for user in (coordinator, member, partner_worker, colleague, outsider, admin_user):
        for in_scope in (False, True):
            user._kooperation_memberships = None
            expected = _aggregate_form(user, in_scope)
            assert task_summary(user, overdue_in_scope=in_scope) == expected, (user, in_scope)
            # Twice: the second call runs the SQL compiled by the first.
            assert task_summary(user, overdue_in_scope=in_scope) == expected, (user, in_scope)


def test_the_start_page_figures_follow_memberships_and_the_day(world, partner_worker, member, partner_institution):
    # The member is not in the partner institution: its task is not the member's.
    world["case_task"].responsible_institution = partner_institution
    world["case_task"].save()
    member._kooperation_memberships = None
    before = task_summary(member)
    MembershipFactory(user=member, institution=partner_institution, role=Role.MITGLIED)
    member._kooperation_memberships = None
    assert task_summary(member) == _aggregate_form(member, False)
    assert task_summary(member)["open"] == before["open"] + 1
    # A new day is a new key: the overdue boundary moves with it.
    partner_worker._kooperation_memberships = None
    assert task_summary(partner_worker)["overdue"] == 0
    tomorrow_but_one = timezone.localdate() + timedelta(days=8)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "localdate", lambda *args, **kwargs: tomorrow_but_one)
        assert task_summary(partner_worker)["overdue"] == 1


def test_the_summary_sql_names_its_inputs(coordinator, member):
    """Different users and the in-scope figure give different SQL or parameters (they are in the key)."""
    forms = set()
    for user in (coordinator, member):
        for in_scope in (False, True):
            sql, params = summary_queryset(user, overdue_in_scope=in_scope).query.sql_with_params()
            forms.add((sql, tuple(params)))
    assert len(forms) == 4
