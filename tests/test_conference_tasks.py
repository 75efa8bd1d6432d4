"""Meine Aufgaben, marking tasks done, and the daily reminders."""

from __future__ import annotations

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from conferences.models import Task, TaskStatus
from conferences.services.cases import revoke_consent
from conferences.services.tasks import set_task_status
from kooperation.network.models import Role
from tests.conference_fixtures import today
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _task(conference, institution, due_in: int, person=None, what: str = "Aufgabe") -> Task:
    return Task.objects.create(
        case=conference.case,
        conference=conference,
        what=what,
        responsible_institution=institution,
        responsible_user=person,
        due_on=today() + timedelta(days=due_in),
    )


def test_my_tasks_are_sorted_by_due_date_and_overdue_ones_marked(
    client_for, coordinator, conference, meeting, institution, partner_institution
):
    later = _task(conference, institution, 10, what="später")
    overdue = _task(conference, institution, -2, what="überfällig")
    mine = _task(conference, partner_institution, 3, person=coordinator, what="persönlich")
    _task(conference, partner_institution, 1, what="andere Institution")
    from_meeting = Task.objects.create(
        meeting=meeting, what="aus der Sitzung", responsible_institution=institution, due_on=today() + timedelta(days=5)
    )
    response = client_for(coordinator).get(reverse("my_tasks"))
    tasks = response.context["tasks"]
    assert tasks == [overdue, mine, from_meeting, later]
    assert [t.is_overdue for t in tasks] == [True, False, False, False]
    assert response.content.decode().count("überfällig</span>") == 1
    only_me = client_for(coordinator).get(reverse("my_tasks"), {"scope": "ich"})
    assert only_me.context["tasks"] == [mine]
    meetings = client_for(coordinator).get(reverse("my_tasks"), {"kind": "sitzungen"})
    assert meetings.context["tasks"] == [from_meeting]


def test_a_colleague_of_another_institution_marks_its_task_done(
    client_for, conference, partner_institution, partner_worker
):
    task = _task(conference, partner_institution, 5)
    client = client_for(partner_worker)
    assert client.get(reverse("my_tasks")).context["tasks"] == [task]
    response = client.post(
        reverse("task_status", args=[task.pk]),
        {
            f"aufgabe-{task.pk}-version": task.version,
            f"aufgabe-{task.pk}-status": TaskStatus.ERLEDIGT,
            f"aufgabe-{task.pk}-note": "Termin steht.",
            "next": reverse("my_tasks"),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("my_tasks")
    task.refresh_from_db()
    assert task.status == TaskStatus.ERLEDIGT
    assert task.status_note == "Termin steht."
    assert task.status_changed_by == partner_worker
    assert client.get(reverse("my_tasks")).context["tasks"] == []


def test_dropping_a_task_needs_a_reason(client_for, coordinator, conference, institution):
    task = _task(conference, institution, 5)
    response = client_for(coordinator).post(
        reverse("task_status", args=[task.pk]),
        {f"aufgabe-{task.pk}-version": task.version, f"aufgabe-{task.pk}-status": TaskStatus.ENTFALLEN},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["note"] == ["Bitte begründen Sie kurz, warum die Aufgabe entfällt."]


def test_a_stale_task_status_is_a_conflict(client_for, coordinator, conference, institution):
    task = _task(conference, institution, 5)
    stale = task.version
    set_task_status(coordinator, task, status=TaskStatus.ENTFALLEN, note="doppelt", expected_version=stale)
    task.status = TaskStatus.OFFEN
    task.save(update_fields=["status"])
    response = client_for(coordinator).post(
        reverse("task_status", args=[task.pk]),
        {f"aufgabe-{task.pk}-version": stale, f"aufgabe-{task.pk}-status": TaskStatus.ERLEDIGT},
    )
    assert response.status_code == 200
    assert "Diese Aufgabe wurde inzwischen von jemand anderem geändert" in response.content.decode()


def test_an_unsafe_next_address_is_ignored(client_for, coordinator, conference, institution):
    task = _task(conference, institution, 5)
    response = client_for(coordinator).post(
        reverse("task_status", args=[task.pk]),
        {
            f"aufgabe-{task.pk}-version": task.version,
            f"aufgabe-{task.pk}-status": TaskStatus.ERLEDIGT,
            "next": "https://example.com/",
        },
    )
    assert response["Location"] == reverse("my_tasks")


def test_a_mitglied_of_the_responsible_institution_may_not_mark_it(client_for, member, conference, institution):
    task = _task(conference, institution, 5)
    response = client_for(member).get(reverse("task_status", args=[task.pk]))
    assert response.status_code == 403
    assert "Den Stand einer Aufgabe tragen die verantwortliche Person" in response.content.decode()


def test_dashboard_counts_open_tasks_without_content(client_for, coordinator, conference, institution):
    _task(conference, institution, -1, what="Geheimnis A")
    _task(conference, institution, 4, what="Geheimnis B")
    page = client_for(coordinator).get(reverse("dashboard")).content.decode()
    assert "2 offene Aufgaben" in page
    assert "1 überfällig" in page
    assert "Geheimnis" not in page


# --- reminders ---------------------------------------------------------------------------------------


def _run(**options) -> str:
    out = StringIO()
    call_command("conferences_daily", stdout=out, **options)
    return out.getvalue()


def test_reminders_go_out_once_a_day_for_due_and_overdue_tasks(
    coordinator,
    conference,
    institution,
    partner_institution,
    partner_worker,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    _task(conference, institution, -3, what="Überfällige Aufgabe")
    _task(conference, institution, 2, person=coordinator, what="Bald fällig")
    _task(conference, partner_institution, 20, what="Noch Zeit")
    with django_capture_on_commit_callbacks(execute=True):
        assert "1 Person(en) erinnert" in _run()
    assert [m.to for m in mailoutbox] == [[coordinator.email]]
    mail = mailoutbox[0]
    assert "1 bald fällig, 1 überfällig" in mail.body
    assert reverse("my_tasks") in mail.body
    for secret in ("Überfällige Aufgabe", "Bald fällig", conference.case.code):
        assert secret not in mail.body + mail.subject
    with django_capture_on_commit_callbacks(execute=True):
        assert "0 Person(en) erinnert" in _run()
    assert len(mailoutbox) == 1


def test_reminders_reach_the_institutions_case_workers(
    conference, partner_institution, partner_worker, mailoutbox, django_capture_on_commit_callbacks
):
    MembershipFactory(institution=partner_institution, role=Role.MITGLIED, user=UserFactory())
    _task(conference, partner_institution, 1)
    with django_capture_on_commit_callbacks(execute=True):
        _run()
    assert [m.to for m in mailoutbox] == [[partner_worker.email]]


def test_no_reminder_about_a_case_hidden_by_a_revoked_consent(
    coordinator,
    conference,
    consent,
    partner_institution,
    partner_worker,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    _task(conference, partner_institution, 1)
    revoke_consent(coordinator, consent, today())
    with django_capture_on_commit_callbacks(execute=True):
        _run()
    assert mailoutbox == []


def test_dry_run_sends_nothing(coordinator, conference, institution, mailoutbox, django_capture_on_commit_callbacks):
    _task(conference, institution, 1, person=coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        assert "1 Person(en) würden erinnert" in _run(dry_run=True)
    assert mailoutbox == []
    assert Task.objects.get().reminded_on is None


@pytest.mark.parametrize("page", ["task_status", "my_tasks"])
def test_the_status_form_chooses_nothing_in_advance(client_for, coordinator, conference, institution, page):
    task = _task(conference, institution, 5)
    args = [task.pk] if page == "task_status" else []
    html = client_for(coordinator).get(reverse(page, args=args)).content.decode()
    radios = re.findall(rf'<input type="radio"[^>]*name="aufgabe-{task.pk}-status"[^>]*>', html)
    assert len(radios) == 2
    assert not [radio for radio in radios if "checked" in radio]
    # One class attribute per radio (a second one is invalid HTML and drops the Bootstrap style).
    assert all(radio.count("class=") == 1 for radio in radios)


def test_saving_without_a_choice_asks_for_one(client_for, coordinator, conference, institution):
    task = _task(conference, institution, 5)
    response = client_for(coordinator).post(
        reverse("task_status", args=[task.pk]), {f"aufgabe-{task.pk}-version": task.version}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["status"] == ["Dieses Feld ist zwingend erforderlich."]
    task.refresh_from_db()
    assert task.status == TaskStatus.OFFEN
