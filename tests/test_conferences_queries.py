"""Query counts of the case, conference, meeting and task pages: pinned, and the same for 3 and 30 rows."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from agreements.models import Subgroup
from conferences.models import (
    AgendaItem,
    Attendance,
    Body,
    Case,
    Conference,
    Consent,
    FamilyParticipant,
    FamilyRole,
    Meeting,
    StaffParticipant,
    Task,
)
from kooperation.network.models import Role
from tests.conference_fixtures import document, give_consent, open_case, plan, today
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

SIZES = [3, 30]


@pytest.fixture(autouse=True)
def _content_types_cached():
    """The access log looks content types up once per process; pin the counts of a warm process."""
    ContentType.objects.get_for_models(Case, Conference, Consent, Task)


@pytest.fixture
def colleagues(institution, partner_institution):
    """Ten more Fachkräfte in each participating institution."""
    people = []
    for place in (institution, partner_institution):
        for _ in range(10):
            people.append(MembershipFactory(institution=place, role=Role.FACHKRAFT, user=UserFactory()).user)
    return people


def _tasks(conference, institution, size: int, person=None) -> None:
    Task.objects.bulk_create(
        Task(
            case=conference.case,
            conference=conference,
            what=f"Aufgabe {i}",
            responsible_institution=institution,
            responsible_user=person,
            due_on=today() + timedelta(days=i - 2),
            position=i,
        )
        for i in range(size)
    )


def _rich_conference(case, coordinator, institution, size: int):
    conference = document(plan(case, coordinator), coordinator, tasks=0)
    StaffParticipant.objects.bulk_create(
        StaffParticipant(conference=conference, institution=institution, name=f"Fachkraft {i}", position=i + 1)
        for i in range(size)
    )
    FamilyParticipant.objects.bulk_create(
        FamilyParticipant(conference=conference, role=FamilyRole.VATER, present=False, position=i + 1)
        for i in range(size)
    )
    _tasks(conference, institution, size)
    return conference


@pytest.mark.parametrize("size", SIZES)
def test_case_list_query_count_does_not_grow(
    size, client_for, coordinator, agreement, institution, partner_institution, django_assert_num_queries
):
    for _ in range(size):
        case = open_case(coordinator, agreement, institution, [partner_institution])
        _tasks(plan(case, coordinator), institution, 2)
    client = client_for(coordinator)
    # session, user, memberships, cases with their count (COUNT OVER), participations, consents, their
    # institutions, agreements for the filter, and the session saved in a savepoint (3)
    with django_assert_num_queries(11):
        response = client.get(reverse("case_list"))
    assert len(response.context["page_obj"]) == min(size, 20)


@pytest.mark.parametrize("size", SIZES)
def test_case_page_query_count_does_not_grow(
    size, client_for, coordinator, help_case, institution, partner_institution, django_assert_num_queries
):
    for i in range(size):
        conference = document(plan(help_case, coordinator, date=today() - timedelta(days=i + 1)), coordinator, tasks=1)
        _tasks(conference, partner_institution, 1)
    for _ in range(size):
        give_consent(help_case, coordinator, [institution])
    client = client_for(coordinator)
    # session, user, memberships, case, participations, consents, their institutions, conferences, their checks,
    # access log entry, open tasks, session (3)
    # 15: with the case team (need-to-know) the loader prefetches.
    with django_assert_num_queries(15):
        response = client.get(reverse("case_detail", args=[help_case.pk]))
    assert len(response.context["conferences"]) == size
    assert len(response.context["open_tasks"]) == 2 * size


@pytest.mark.parametrize("size", SIZES)
def test_conference_page_query_count_does_not_grow(
    size, client_for, coordinator, help_case, institution, colleagues, django_assert_num_queries
):
    conference = _rich_conference(help_case, coordinator, institution, size)
    conference.invited.set(colleagues)
    client = client_for(coordinator)
    # session, user, memberships, conference with case, participations, consents, their institutions,
    # invited, family, checks, staff, tasks (each with institution and person), addenda, log, session (3)
    with django_assert_num_queries(18):  # staff, tasks and addenda with their institution and person joined in
        response = client.get(reverse("conference_detail", args=[conference.pk]))
    assert len(response.context["conference"].tasks.all()) == size


@pytest.mark.parametrize("size", SIZES)
def test_protocol_form_query_count_does_not_grow(
    size, client_for, coordinator, help_case, institution, colleagues, django_assert_num_queries
):
    conference = _rich_conference(help_case, coordinator, institution, size)
    client = client_for(coordinator)
    # 18: the case team, and the read entry the loader writes (the editor shows the protocol); the institutions
    # and persons offered are loaded once for the participants and the tasks (who belongs where only when a
    # posted row is checked); the same at every size.
    with django_assert_num_queries(18):
        response = client.get(reverse("conference_protocol", args=[conference.pk]))
    assert response.context["aufgaben"].initial_form_count() == size


@pytest.mark.parametrize("size", SIZES)
def test_my_tasks_query_count_does_not_grow(
    size, client_for, coordinator, help_case, meeting, institution, django_assert_num_queries
):
    conference = plan(help_case, coordinator)
    _tasks(conference, institution, size)
    _tasks(conference, institution, size, person=coordinator)
    Task.objects.bulk_create(
        Task(meeting=meeting, what=f"Sitzung {i}", responsible_institution=institution, due_on=today())
        for i in range(size)
    )
    client = client_for(coordinator)
    # session, user, memberships, tasks with their count (COUNT OVER; with case, conference, meeting, agreement),
    # access log, session (3)
    with django_assert_num_queries(8):
        response = client.get(reverse("my_tasks"))
    assert response.context["page_obj"].paginator.count == 3 * size


@pytest.mark.parametrize("size", SIZES)
def test_meeting_pages_query_count_does_not_grow(
    size, client_for, coordinator, agreement, institution, django_assert_num_queries
):
    subgroup = Subgroup.objects.create(agreement=agreement, name="Untergruppe Jugendamt", institution=institution)
    subgroup.members.add(*[UserFactory() for _ in range(size)])
    for i in range(size):
        # Half of them Untergruppe meetings: their name comes from the linked subgroup.
        meeting = Meeting.objects.create(
            agreement=agreement,
            body=Body.UNTERGRUPPE if i % 2 else Body.KOOPERATIONSGREMIUM,
            subgroup=subgroup if i % 2 else None,
            date=today() - timedelta(days=i),
            start_time=time(14, 0),
            place="Rathaus",
            recorder=coordinator,
            created_by=coordinator,
        )
    AgendaItem.objects.bulk_create(AgendaItem(meeting=meeting, title=f"TOP {i}", position=i) for i in range(size))
    Attendance.objects.bulk_create(
        Attendance(meeting=meeting, institution=institution, name=f"Person {i}", position=i) for i in range(size)
    )
    Task.objects.bulk_create(
        Task(meeting=meeting, what=f"Aufgabe {i}", responsible_institution=institution, due_on=today())
        for i in range(size)
    )
    meeting.body, meeting.subgroup = Body.UNTERGRUPPE, subgroup
    meeting.save(update_fields=["body", "subgroup"])
    meeting.invited.add(*subgroup.members.all())
    client = client_for(coordinator)
    with django_assert_num_queries(9):
        client.get(reverse("meeting_list"))
    # 12: the session was renewed by the first request; the invited and the body's members (invitation card)
    with django_assert_num_queries(12):
        client.get(reverse("meeting_detail", args=[meeting.pk]))
    with django_assert_num_queries(15):  # 13 + the choices of subgroup and quality dialogue
        response = client.get(reverse("meeting_edit", args=[meeting.pk]))
    assert response.context["tagesordnung"].initial_form_count() == size


@pytest.mark.parametrize("size", SIZES)
def test_access_log_query_count_does_not_grow(
    size, client_for, coordinator, member, help_case, django_assert_num_queries
):
    reader = client_for(member)
    for _ in range(size):
        reader.get(reverse("case_detail", args=[help_case.pk]))
    client = client_for(coordinator)
    # 13: the case team, the read entry of the access log page itself, and the page of entries with
    # their count in one query (COUNT OVER).
    with django_assert_num_queries(13):
        response = client.get(reverse("case_access_log", args=[help_case.pk]))
    assert len(response.context["entries"]) >= size
