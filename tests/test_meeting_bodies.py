"""Sitzungen first-class: linked to their body, invitations with a calendar file, minutes-final notice,
Untergruppe minutes kept to the subgroup and the Gremium, and the Hilfekonferenz's nächster Termin planned."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from icalendar import Calendar

from agreements.models import Subgroup
from agreements.services.agreement import create_agreement
from conferences.models import Body, Conference, Meeting
from conferences.services.conferences import finalise_conference
from conferences.services.meetings import invite_to_meeting
from kooperation.ops.models import OutgoingMail
from tests import quality_data as qd
from tests.conference_fixtures import document, make_final_meeting, make_meeting, open_case, plan, today

pytestmark = pytest.mark.django_db


@pytest.fixture
def subgroup(agreement, institution, member):
    group = Subgroup.objects.create(agreement=agreement, name="Untergruppe Jugendamt", institution=institution)
    group.members.add(member)
    return group


@pytest.fixture
def board_user(agreement, partner_institution):
    """A Mitglied of the partner institution with a seat on the Kooperationsgremium."""
    return qd.representative(agreement, partner_institution, first_name="Greta")


@pytest.fixture
def other_partner(partner_institution):
    """A Koordination of the partner institution, neither in the subgroup nor in the Gremium."""
    return qd.person(partner_institution, "koordination", first_name="Paula")


@pytest.fixture
def subgroup_meeting(agreement, coordinator, subgroup):
    meeting = make_meeting(agreement, coordinator)
    meeting.body, meeting.subgroup = Body.UNTERGRUPPE, subgroup
    meeting.save(update_fields=["body", "subgroup"])
    return meeting


def _calendar(mail) -> Calendar:
    (filename, content, mimetype) = mail.attachments[0]
    assert filename.endswith(".ics")
    assert mimetype == "text/calendar"
    return Calendar.from_ical(content)


# Linked to the body ----------------------------------------------------------------------------


def test_a_subgroup_meeting_is_planned_with_the_subgroup_not_a_name(client_for, coordinator, agreement, subgroup):
    data = {
        "agreement": agreement.pk,
        "body": Body.UNTERGRUPPE,
        "subgroup": subgroup.pk,
        "quality_dialogue": "",
        "title": "Leitfragen",
        "date": today().isoformat(),
        "start_time": "10:00",
        "end_time": "",
        "place": "Jugendamt",
        "recorder": coordinator.pk,
    }
    response = client_for(coordinator).post(reverse("meeting_create"), data)
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert meeting.subgroup == subgroup
    assert str(meeting) == f"Untergruppe Jugendamt am {today():%d.%m.%Y}"


def test_a_subgroup_of_another_agreement_is_refused(
    client_for, coordinator, agreement, institution, partner_institution
):
    other = create_agreement(
        coordinator,
        title="Andere Vereinbarung",
        preamble="",
        coordinating_institution=institution,
        institutions=[partner_institution],
    )
    foreign = Subgroup.objects.create(agreement=other, name="Fremde Untergruppe", institution=institution)
    data = {
        "agreement": agreement.pk,
        "body": Body.UNTERGRUPPE,
        "subgroup": foreign.pk,
        "date": today().isoformat(),
        "start_time": "10:00",
        "place": "Jugendamt",
        "recorder": coordinator.pk,
    }
    response = client_for(coordinator).post(reverse("meeting_create"), data)
    assert response.context["form"].errors["subgroup"] == ["Diese Untergruppe gehört nicht zur Vereinbarung."]


@pytest.mark.django_db(transaction=True)
def test_migration_links_the_free_text_name_to_the_subgroup(agreement, coordinator, institution):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    subgroup = Subgroup.objects.create(agreement=agreement, name="Untergruppe Jugendamt", institution=institution)
    known, unknown = make_meeting(agreement, coordinator), make_meeting(agreement, coordinator)
    before, after = ("conferences", "0005_attachments"), ("conferences", "0006_meeting_body_links_and_invitations")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    old = executor.loader.project_state([before]).apps.get_model("conferences", "Meeting")
    old.objects.filter(pk=known.pk).update(body="untergruppe", subgroup_name="untergruppe jugendamt")
    old.objects.filter(pk=unknown.pk).update(body="untergruppe", subgroup_name="Untergruppe Schule", title="")
    executor = MigrationExecutor(connection)
    executor.migrate([after])
    known.refresh_from_db()
    unknown.refresh_from_db()
    assert known.subgroup == subgroup
    assert (unknown.subgroup, unknown.title) == (None, "Untergruppe Schule")
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


# Who reads an Untergruppe's minutes -------------------------------------------------------------


def test_subgroup_minutes_stay_with_the_subgroup_and_the_gremium(
    client_for, subgroup_meeting, member, board_user, other_partner
):
    url = reverse("meeting_detail", args=[subgroup_meeting.pk])
    assert client_for(member).get(url).status_code == 200
    assert client_for(board_user).get(url).status_code == 200
    assert client_for(other_partner).get(url).status_code == 404
    listed = client_for(other_partner).get(reverse("meeting_list"))
    assert subgroup_meeting not in listed.context["page_obj"]


def test_gremium_minutes_are_read_by_every_partner(client_for, meeting, other_partner):
    assert client_for(other_partner).get(reverse("meeting_detail", args=[meeting.pk])).status_code == 200


# Invitations with the calendar file --------------------------------------------------------------


def test_invitation_goes_to_the_subgroup_with_the_calendar_file(
    client_for, coordinator, member, subgroup_meeting, board_user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(coordinator).post(reverse("meeting_invite", args=[subgroup_meeting.pk]))
    assert response.status_code == 302
    assert sorted(m.to[0] for m in mailoutbox) == sorted([member.email, coordinator.email])
    mail = mailoutbox[0]
    assert mail.subject == "Einladung zu einer Sitzung"
    assert subgroup_meeting.get_absolute_url() in mail.body
    event = _calendar(mail).walk("VEVENT")[0]
    assert str(event["summary"]) == "Sitzung: Untergruppe Jugendamt"
    assert str(event["location"]) == subgroup_meeting.place
    assert event["dtstart"].dt.date() == subgroup_meeting.date
    assert set(subgroup_meeting.invited.all()) == {member, coordinator}
    assert OutgoingMail.objects.filter(recipient=member.email).get().attachments[0]["mimetype"] == "text/calendar"


def test_gremium_invitation_goes_to_the_board(
    coordinator, meeting, board_user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite_to_meeting(coordinator, meeting)
    assert sorted(m.to[0] for m in mailoutbox) == sorted([board_user.email, coordinator.email])


def test_finalised_minutes_cannot_be_invited_to(client_for, coordinator, final_meeting):
    response = client_for(coordinator).post(reverse("meeting_invite", args=[final_meeting.pk]))
    assert response.status_code == 403


def test_finalised_minutes_notify_the_invited(
    coordinator, institution, subgroup_meeting, member, mailoutbox, django_capture_on_commit_callbacks
):
    invite_to_meeting(coordinator, subgroup_meeting)
    with django_capture_on_commit_callbacks(execute=True):
        make_final_meeting(subgroup_meeting, coordinator, institution)
    final = [m for m in mailoutbox if m.subject == "Sitzungsprotokoll abgeschlossen"]
    assert sorted(m.to[0] for m in final) == sorted([member.email, coordinator.email])
    assert subgroup_meeting.get_absolute_url() in final[0].body
    assert "Diskussion" not in final[0].body


# Hilfekonferenz: invitation file and the nächster Termin ---------------------------------------


def test_conference_invitation_has_the_calendar_file(
    coordinator, agreement, institution, mailoutbox, django_capture_on_commit_callbacks
):
    case = open_case(coordinator, agreement, institution)
    with django_capture_on_commit_callbacks(execute=True):
        conference = plan(case, coordinator)
    event = _calendar(mailoutbox[0]).walk("VEVENT")[0]
    assert str(event["uid"]).startswith(f"hilfekonferenz-{conference.pk}@")


def test_the_next_date_becomes_a_planned_conference(
    coordinator, agreement, institution, mailoutbox, django_capture_on_commit_callbacks
):
    case = open_case(coordinator, agreement, institution)
    conference = document(plan(case, coordinator), coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        finalise_conference(coordinator, conference)
    planned = Conference.objects.exclude(pk=conference.pk).get(case=case)
    assert planned.date == conference.date + timedelta(days=90)
    assert (planned.start_time, planned.place, planned.moderator) == (
        conference.start_time,
        conference.place,
        coordinator,
    )
    assert list(planned.invited.all()) == [coordinator]
    assert not planned.is_final
    invitation = [m for m in mailoutbox if m.subject == "Einladung zu einer Hilfekonferenz"][-1]
    assert _calendar(invitation).walk("VEVENT")[0]["dtstart"].dt.date() == planned.date


def test_no_next_date_plans_nothing(coordinator, agreement, institution):
    case = open_case(coordinator, agreement, institution)
    conference = document(plan(case, coordinator), coordinator)
    conference.next_date = None
    conference.save(update_fields=["next_date"])
    finalise_conference(coordinator, conference)
    assert Conference.objects.filter(case=case).count() == 1
