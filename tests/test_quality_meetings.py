"""The quality dialogue's Sitzung: planned from the dialogue page, its agreed measures become tasks with an
owner and a due date that show up in Meine Aufgaben and on the dialogue page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from conferences.models import Body, Meeting, Task
from tests import quality_data as qd
from tests.conference_fixtures import today
from tests.factories import form_data, formset_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def dialogue(coordinator, agreement):
    return qd.open_dialogue(coordinator, agreement, today().year)


def _plan(client, agreement, dialogue, recorder) -> Meeting:
    response = client.post(
        reverse("meeting_create"),
        {
            "agreement": agreement.pk,
            "body": Body.QUALITAETSDIALOG,
            "quality_dialogue": dialogue.pk,
            "title": "Auswertung",
            "date": today().isoformat(),
            "start_time": "10:00",
            "place": "Rathaus",
            "recorder": recorder.pk,
        },
    )
    assert response.status_code == 302
    return Meeting.objects.get(quality_dialogue=dialogue)


def _with_measure(client, meeting, institution, owner) -> dict:
    response = client.get(reverse("meeting_edit", args=[meeting.pk]))
    data = form_data(response.context["form"])
    for name in ("anwesenheit", "tagesordnung", "aufgaben"):
        data.update(formset_data(response.context[name]))
    data.update(
        {
            "aufgaben-0-what": "Rückmeldebogen entwerfen",
            "aufgaben-0-responsible_institution": institution.pk,
            "aufgaben-0-responsible_user": owner.pk if owner else "",
            "aufgaben-0-due_on": (today() + timedelta(days=14)).isoformat(),
            "aufgaben-0-status": "offen",
        }
    )
    return data


def test_dialogue_page_offers_planning_its_meeting(client_for, coordinator, member, dialogue):
    page = client_for(coordinator).get(reverse("quality_dialogue", args=[dialogue.pk])).content.decode()
    assert "Für diesen Qualitätsdialog ist noch keine Sitzung angelegt." in page
    assert f"quality_dialogue={dialogue.pk}" in page
    form = client_for(coordinator).get(
        reverse("meeting_create"), {"body": Body.QUALITAETSDIALOG, "quality_dialogue": dialogue.pk}
    )
    assert form.context["form"]["quality_dialogue"].value() == str(dialogue.pk)
    # A Mitglied reads the dialogue but plans no meeting.
    assert (
        "Sitzung zum Qualitätsdialog anlegen"
        not in client_for(member).get(reverse("quality_dialogue", args=[dialogue.pk])).content.decode()
    )


def test_a_measure_needs_an_owner(client_for, coordinator, agreement, dialogue, institution):
    client = client_for(coordinator)
    meeting = _plan(client, agreement, dialogue, coordinator)
    response = client.post(
        reverse("meeting_edit", args=[meeting.pk]), _with_measure(client, meeting, institution, None)
    )
    assert response.context["aufgaben"].forms[0].errors["responsible_user"] == [
        "Eine vereinbarte Maßnahme braucht eine verantwortliche Person."
    ]
    assert not Task.objects.exists()


def test_agreed_measure_shows_up_in_meine_aufgaben_and_on_the_dialogue(
    client_for, coordinator, member, agreement, dialogue, institution
):
    client = client_for(coordinator)
    meeting = _plan(client, agreement, dialogue, coordinator)
    response = client.post(
        reverse("meeting_edit", args=[meeting.pk]), _with_measure(client, meeting, institution, member)
    )
    assert response.status_code == 302
    task = Task.objects.get()
    assert (task.meeting, task.responsible_user) == (meeting, member)
    tasks = client_for(member).get(reverse("my_tasks"))
    assert [t.pk for t in tasks.context["tasks"]] == [task.pk]
    assert "Rückmeldebogen entwerfen" in tasks.content.decode()
    page = client_for(member).get(reverse("quality_dialogue", args=[dialogue.pk])).content.decode()
    assert meeting.get_absolute_url() in page
    assert "Rückmeldebogen entwerfen" in page
    assert f"bis {task.due_on:%d.%m.%Y}" in page
