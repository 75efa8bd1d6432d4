"""Sitzungen of the working structure: create, minutes with attendance, agenda and tasks, finalise (seed 003)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from agreements.models import Subgroup
from conferences.models import AttendanceStatus, Body, Meeting, Task
from conferences.services.meetings import finalise_meeting
from kooperation.core.errors import DomainError
from tests.conference_fixtures import today
from tests.factories import form_data, formset_data

pytestmark = pytest.mark.django_db


def _create_data(agreement, recorder, **overrides) -> dict:
    return {
        "agreement": agreement.pk,
        "body": Body.KOOPERATIONSGREMIUM,
        "subgroup": "",
        "quality_dialogue": "",
        "title": "1. Arbeitstreffen",
        "date": (today() - timedelta(days=1)).isoformat(),
        "start_time": "14:00",
        "end_time": "16:00",
        "place": "Rathaus",
        "recorder": recorder.pk,
        **overrides,
    }


def test_koordination_records_a_meeting(client_for, coordinator, agreement):
    response = client_for(coordinator).post(reverse("meeting_create"), _create_data(agreement, coordinator))
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("meeting_edit", args=[meeting.pk])
    assert meeting.created_by == coordinator
    assert str(meeting) == f"Kooperationsgremium am {meeting.date:%d.%m.%Y}"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"body": Body.UNTERGRUPPE}, "subgroup", "Bitte die Untergruppe wählen."),
        ({"body": Body.QUALITAETSDIALOG}, "quality_dialogue", "Bitte den Qualitätsdialog wählen."),
        ({"end_time": "13:00"}, "end_time", "Das Ende muss nach dem Beginn liegen."),
        ({"body": ""}, "body", "Dieses Feld ist zwingend erforderlich."),
    ],
)
def test_meeting_form_answers_bad_input_in_german(client_for, coordinator, agreement, overrides, field, message):
    response = client_for(coordinator).post(
        reverse("meeting_create"), _create_data(agreement, coordinator, **overrides)
    )
    assert message in response.context["form"].errors[field]


def test_the_recorder_comes_from_a_partner_institution(client_for, coordinator, agreement, outsider):
    response = client_for(coordinator).post(reverse("meeting_create"), _create_data(agreement, outsider))
    assert response.context["form"].errors["recorder"] == [
        "Das Protokoll führt eine Person aus einer Partnerinstitution."
    ]


def _minutes_data(client, meeting) -> dict:
    response = client.get(reverse("meeting_edit", args=[meeting.pk]))
    data = form_data(response.context["form"])
    for name in ("anwesenheit", "tagesordnung", "aufgaben"):
        data.update(formset_data(response.context[name]))
    return data


def test_minutes_with_attendance_agenda_and_task(client_for, coordinator, meeting, institution, partner_institution):
    client = client_for(coordinator)
    data = _minutes_data(client, meeting)
    data.update(
        {
            "anwesenheit-0-institution": partner_institution.pk,
            "anwesenheit-0-name": "Dr. K. Klinik",
            "anwesenheit-0-status": AttendanceStatus.ANWESEND,
            "tagesordnung-0-title": "Basiskriterien",
            "tagesordnung-0-minutes": "Diskussion der sechs Kriterien.",
            "tagesordnung-0-decisions": "Beschlossen.",
            "tagesordnung-0-ORDER": "1",
            "aufgaben-0-what": "Entwurf verschicken",
            "aufgaben-0-responsible_institution": institution.pk,
            "aufgaben-0-due_on": (today() + timedelta(days=7)).isoformat(),
            "aufgaben-0-status": "offen",
        }
    )
    response = client.post(reverse("meeting_edit", args=[meeting.pk]), data)
    assert response.status_code == 302
    assert [a.name for a in meeting.attendance.all()] == ["Dr. K. Klinik"]
    assert [i.title for i in meeting.items.all()] == ["Basiskriterien"]
    task = Task.objects.get()
    assert task.meeting == meeting
    assert task.case is None
    finalised = finalise_meeting(coordinator, meeting)
    assert finalised.is_final
    assert client.get(reverse("meeting_edit", args=[meeting.pk])).status_code == 403


def test_attendance_only_from_partner_institutions(client_for, coordinator, meeting, outsider):
    client = client_for(coordinator)
    data = _minutes_data(client, meeting)
    data.update(
        {
            "anwesenheit-0-institution": outsider.memberships.get().institution_id,
            "anwesenheit-0-name": "Otto",
            "anwesenheit-0-status": AttendanceStatus.ANWESEND,
        }
    )
    response = client.post(reverse("meeting_edit", args=[meeting.pk]), data)
    assert response.context["anwesenheit"].forms[0].errors["institution"] == [
        "Diese Institution ist nicht Partner der Vereinbarung."
    ]


def test_finalising_needs_agenda_and_attendance(coordinator, meeting):
    with pytest.raises(DomainError) as refused:
        finalise_meeting(coordinator, meeting)
    assert "Die Tagesordnung ist noch leer." in refused.value.message
    assert "Es ist noch niemand als anwesend eingetragen." in refused.value.message


def test_the_recorder_may_edit_without_being_koordination(client_for, meeting, member):
    meeting.recorder = member
    meeting.save(update_fields=["recorder"])
    assert client_for(member).get(reverse("meeting_edit", args=[meeting.pk])).status_code == 200


def test_meeting_list_filters_by_body(client_for, member, meeting, final_meeting, agreement, coordinator, institution):
    subgroup = Subgroup.objects.create(agreement=agreement, name="Untergruppe Jugendhilfe", institution=institution)
    subgroup.members.add(member)
    Meeting.objects.create(
        agreement=agreement,
        body=Body.UNTERGRUPPE,
        subgroup=subgroup,
        date=today(),
        start_time="09:00",
        place="Jugendamt",
        recorder=coordinator,
        created_by=coordinator,
    )
    response = client_for(member).get(reverse("meeting_list"), {"body": Body.UNTERGRUPPE})
    assert [m.body_label for m in response.context["page_obj"]] == ["Untergruppe Jugendhilfe"]


def test_addendum_to_final_minutes(client_for, coordinator, final_meeting):
    client_for(coordinator).post(reverse("meeting_addendum", args=[final_meeting.pk]), {"text": "Ergänzung zu TOP 1."})
    assert final_meeting.addenda.get().text == "Ergänzung zu TOP 1."
