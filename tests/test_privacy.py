"""Data protection a Datenschutzbeauftragte signs off (issue 13).

- every read of case data is logged by the loaders: each URL that shows case data writes
  exactly one read entry (user, institution, case, what, when); refused attempts are logged
  apart (ACCESS entries marked "verweigert") and never count as reads;
- need-to-know: only the case team (and, read-only, the owner's Koordination) reads a case;
- the consent decides which protocol parts a partner institution sees;
- Abschluss, Löschsperre and the deletion run (database rows, auditlog entries, stored files);
- Auskunft (Art. 15 DSGVO) and the access-log exports, logged and never cached.
"""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from auditlog.models import LogEntry
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import get_resolver, reverse
from django.utils import timezone

from agreements.models import Agreement, Status
from conferences import access, audit
from conferences import permissions as perms
from conferences.documents import ConferenceProtocol
from conferences.models import (
    Case,
    CaseTeamMember,
    Conference,
    Consent,
    DeletionKind,
    DeletionRecord,
    InformationKind,
    Task,
)
from conferences.queries.protocols import PROTOCOL_ROWS
from conferences.services.cases import close_case, set_case_institutions, set_legal_hold
from conferences.services.retention import run_retention
from kooperation.network.models import Role, SecurityEvent
from tests.conference_fixtures import join_team
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


def _case(f):
    return {"pk": f("help_case").pk}


def _consent(f):
    return {"pk": f("consent").pk}


def _conference(f):
    return {"pk": f("conference").pk}


def _final(f):
    return {"pk": f("final_conference").pk}


def _task(f):
    return {"pk": f("task").pk}


def _case_attachment(f):
    from django.core.files.base import ContentFile

    from conferences.models import CaseAttachment

    attachment = CaseAttachment(
        case=f("help_case"), name="a.pdf", extension="pdf", size=13, sha256="0" * 64, uploaded_by=f("coordinator")
    )
    attachment.file.save("a.pdf", ContentFile(b"%PDF-1.7 test"), save=True)
    return {"pk": attachment.pk}


# Every URL that shows case data: (name, kwargs, headers). `coordinator` opened the case, is on
# its team and is Koordination of the owning institution, so every page is allowed to her.
CASE_DATA_URLS = [
    ("case_detail", _case, {}),
    ("case_edit", _case, {}),
    ("case_institutions", _case, {}),
    ("consent_create", _case, {}),
    ("case_access_log", _case, {}),
    ("case_access_log_csv", _case, {}),
    ("case_team", _case, {}),
    ("case_close", _case, {}),
    ("case_legal_hold", _case, {}),
    ("case_disclosure", _case, {}),
    ("case_disclosure_pdf", _case, {}),
    ("conference_create", _case, {}),
    ("consent_revoke", _consent, {}),
    ("consent_document", _consent, {}),
    ("conference_detail", _conference, {}),
    ("conference_plan", _conference, {}),
    ("conference_protocol", _conference, {}),
    ("conference_row", lambda f: {**_conference(f), "kind": "aufgaben"}, HX),
    ("conference_ics", _conference, {}),
    ("conference_addendum", _final, {}),
    ("conference_pdf", _final, {}),
    ("task_status", _task, {}),
    ("my_tasks", lambda f: (f("task"), {})[1], {}),
    ("case_attachments", _case, {}),
    ("case_attachment_file", _case_attachment, {}),
    ("case_attachment_remove", _case_attachment, {}),
]

# Conferences URLs that show no case data, or only change it (POST only: the write is in auditlog).
NOT_CASE_DATA = {
    "case_list",  # codes of the cases the user reads, no content
    "case_create",
    "case_team_remove",
    "case_legal_hold_lift",
    "conference_finalise",
    "institution_access_log",  # the export is logged as an export entry (test below)
    "meeting_list",
    "meeting_create",
    "meeting_detail",
    "meeting_edit",
    "meeting_row",
    "meeting_finalise",
    "meeting_addendum",
    "meeting_pdf",
    "meeting_attachments",  # Sitzungen are no case data
    "meeting_invite",
    "meeting_attachment_file",
    "meeting_attachment_remove",
}


def test_the_list_names_every_conferences_url():
    names = {p.name for p in get_resolver("conferences.urls").url_patterns}
    assert names == {name for name, _, _ in CASE_DATA_URLS} | NOT_CASE_DATA


@pytest.mark.parametrize(("name", "kwargs", "headers"), CASE_DATA_URLS, ids=[u[0] for u in CASE_DATA_URLS])
def test_every_case_data_url_logs_exactly_one_read(request, client, coordinator, institution, name, kwargs, headers):
    url = reverse(name, kwargs=kwargs(request.getfixturevalue))
    before = set(audit.reads().values_list("pk", flat=True))
    client.force_login(coordinator)
    started = timezone.now()
    response = client.get(url, headers=headers)
    assert response.status_code == 200, name
    new = list(audit.reads().exclude(pk__in=before))
    assert len(new) == 1, (name, [e.additional_data for e in new])
    entry = new[0]
    case = Case.objects.get()
    assert entry.actor == coordinator
    assert entry.additional_data["case_id"] == case.pk
    assert entry.additional_data["case"] == case.code
    assert entry.additional_data["institution_id"] == institution.pk
    assert entry.additional_data["institution"] == institution.name
    assert entry.additional_data["read"]
    assert entry.timestamp >= started
    assert not audit.refusals().exists()


@pytest.mark.parametrize(
    ("name", "kwargs", "headers"),
    [u for u in CASE_DATA_URLS if u[0] != "my_tasks"],
    ids=[u[0] for u in CASE_DATA_URLS if u[0] != "my_tasks"],
)
def test_a_refused_request_logs_no_read_but_a_refused_attempt(request, client, colleague, name, kwargs, headers):
    url = reverse(name, kwargs=kwargs(request.getfixturevalue))
    reads = audit.reads().count()
    client.force_login(colleague)
    response = client.get(url, headers=headers)
    assert response.status_code == 404, name
    assert audit.reads().count() == reads
    refused = audit.refusals().get()
    assert refused.actor == colleague
    assert refused.additional_data["case_id"] == Case.objects.get().pk
    assert refused.additional_data["refused"] == "verweigert"


def test_a_forbidden_write_by_a_team_member_is_logged_as_refused(client_for, member, help_case):
    response = client_for(member).get(reverse("case_edit", args=[help_case.pk]))
    assert response.status_code == 403
    assert not audit.reads().filter(actor=member).exists()
    assert audit.refusals().filter(actor=member, additional_data__case_id=help_case.pk).count() == 1


def test_the_access_log_page_marks_refused_attempts(client_for, coordinator, colleague, help_case):
    client_for(colleague).get(reverse("case_detail", args=[help_case.pk]))
    response = client_for(coordinator).get(reverse("case_access_log", args=[help_case.pk]))
    refused = [line for line in response.context["entries"] if line.refused]
    assert [line.actor for line in refused] == [colleague]
    assert "verweigert" in response.content.decode()


# Need-to-know: the case team.


def test_colleagues_off_the_team_see_no_case(client_for, colleague, help_case):
    client = client_for(colleague)
    assert client.get(reverse("case_list")).context["page_obj"].paginator.count == 0
    assert client.get(reverse("case_detail", args=[help_case.pk])).status_code == 404


def test_koordination_adds_and_removes_a_team_member(client_for, coordinator, colleague, help_case):
    client = client_for(coordinator)
    response = client.post(reverse("case_team", args=[help_case.pk]), {"person": colleague.pk})
    assert response.status_code == 302
    member = CaseTeamMember.objects.get(case=help_case, user=colleague)
    assert member.added_by == coordinator
    assert member.institution == help_case.owner_institution
    assert client_for(colleague).get(reverse("case_detail", args=[help_case.pk])).status_code == 200
    client = client_for(coordinator)
    response = client.post(reverse("case_team_remove", args=[help_case.pk, member.pk]))
    assert response.status_code == 302
    assert client_for(colleague).get(reverse("case_detail", args=[help_case.pk])).status_code == 404


def test_the_team_page_answers_bad_input_in_german(client_for, coordinator, outsider, help_case):
    client = client_for(coordinator)
    response = client.post(reverse("case_team", args=[help_case.pk]), {"person": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["person"] == ["Bitte eine Person wählen."]
    response = client.post(reverse("case_team", args=[help_case.pk]), {"person": outsider.pk})
    assert "Bitte eine Person aus einer beteiligten Institution wählen" in response.context["form"].errors["person"][0]


def test_the_team_page_query_count_is_pinned(client_for, coordinator, help_case, django_assert_num_queries):
    for _ in range(3):
        join_team(help_case, MembershipFactory(institution=help_case.owner_institution, role=Role.FACHKRAFT).user)
    client = client_for(coordinator)
    with django_assert_num_queries(13):
        assert client.get(reverse("case_team", args=[help_case.pk])).status_code == 200


def test_the_owners_koordination_reads_without_being_on_the_team_but_does_not_edit(client_for, help_case, institution):
    second = MembershipFactory(institution=institution, role=Role.KOORDINATION, user=UserFactory()).user
    client = client_for(second)
    response = client.get(reverse("case_detail", args=[help_case.pk]))
    assert response.status_code == 200
    assert not response.context["can_edit"]
    assert client.get(reverse("case_edit", args=[help_case.pk])).status_code == 403


def test_an_invitee_reads_the_conference_but_not_the_case(client_for, colleague, conference):
    conference.invited.add(colleague)
    client = client_for(colleague)
    assert client.get(reverse("conference_detail", args=[conference.pk])).status_code == 200
    assert client.get(reverse("case_detail", args=[conference.case_id])).status_code == 404


def test_an_institution_leaving_the_case_leaves_its_team(coordinator, help_case, partner_worker, institution):
    assert help_case.team_members.filter(user=partner_worker).exists()
    set_case_institutions(coordinator, help_case, [institution], help_case.version)
    assert not help_case.team_members.filter(user=partner_worker).exists()


def test_opening_a_case_names_its_team(client_for, caseworker, agreement, institution, colleague):
    Agreement.objects.filter(pk=agreement.pk).update(status=Status.IN_KRAFT)  # the form offers agreements in force
    response = client_for(caseworker).post(
        reverse("case_create"),
        {"agreement": agreement.pk, "owner_institution": institution.pk, "note": "", "team": [colleague.pk]},
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert set(case.team.all()) == {caseworker, colleague}


# The consent decides what flows.


def test_a_partner_sees_only_the_protocol_parts_its_consent_covers(
    client_for, coordinator, partner_worker, final_conference
):
    # The fixture's consent covers "Hilfekonferenz" and "Kind", not "Stand und Verlauf der Hilfen".
    partner = client_for(partner_worker).get(reverse("conference_detail", args=[final_conference.pk]))
    page = partner.content.decode()
    assert final_conference.situation not in page
    assert final_conference.needs_parents not in page
    assert final_conference.needs_child in page
    assert "nicht freigegeben" in page
    assert "Stand und Verlauf der Hilfen" in page
    owner = client_for(coordinator).get(reverse("conference_detail", args=[final_conference.pk])).content.decode()
    assert final_conference.situation in owner
    assert "nicht freigegeben" not in owner


def test_the_protocol_pdf_leaves_out_what_the_consent_does_not_cover(partner_worker, coordinator, final_conference):
    conference = Conference.objects.prefetch_related(*PROTOCOL_ROWS).select_related("case").get(pk=final_conference.pk)
    access.with_case_access(conference.case)
    html = ConferenceProtocol(conference, perms.protocol_release(partner_worker, conference)).render_html()
    assert final_conference.situation not in html
    assert "nicht freigegeben" in html
    assert final_conference.needs_child in html
    html = ConferenceProtocol(conference, perms.protocol_release(coordinator, conference)).render_html()
    assert final_conference.situation in html


def test_a_wider_consent_releases_more(client_for, coordinator, partner_worker, final_conference, consent):
    consent.information = [InformationKind.HILFEKONFERENZ, InformationKind.KIND, InformationKind.HILFEVERLAUF]
    consent.save()
    page = client_for(partner_worker).get(reverse("conference_detail", args=[final_conference.pk])).content.decode()
    assert final_conference.situation in page
    assert "nicht freigegeben" not in page


def test_the_case_page_hides_the_criteria_trend_without_consent_for_it(
    client_for, coordinator, partner_worker, final_conference, consent
):
    consent.information = [InformationKind.HILFEKONFERENZ]
    consent.save()
    url = reverse("case_detail", args=[final_conference.case_id])
    partner = client_for(partner_worker).get(url).content.decode()
    assert "Entwicklung und Versorgung des Kindes" in partner
    assert "nicht freigegeben" in partner
    assert "nicht freigegeben" not in client_for(coordinator).get(url).content.decode()


# Abschluss and Löschsperre.


def test_closing_a_case_asks_for_reason_and_confirmation(client_for, coordinator, help_case, django_assert_num_queries):
    client = client_for(coordinator)
    url = reverse("case_close", args=[help_case.pk])
    with django_assert_num_queries(12):
        page = client.get(url)
    assert "Löschfrist" in page.content.decode()
    response = client.post(url, {"version": help_case.version, "reason": " "})
    assert response.context["form"].errors == {
        "reason": ["Bitte geben Sie den Grund des Abschlusses an."],
        "confirm": ["Bitte bestätigen Sie den Abschluss."],
    }
    response = client.post(url, {"version": help_case.version, "reason": "Hilfe beendet", "confirm": "on"})
    assert response.status_code == 302
    help_case.refresh_from_db()
    assert help_case.is_closed
    assert help_case.closing_reason == "Hilfe beendet"
    assert help_case.closed_by == coordinator
    assert client.get(reverse("case_edit", args=[help_case.pk])).status_code == 403
    assert client.get(url).status_code == 403


def test_legal_hold_is_set_with_a_reason_and_lifted(client_for, coordinator, help_case, django_assert_num_queries):
    client = client_for(coordinator)
    url = reverse("case_legal_hold", args=[help_case.pk])
    with django_assert_num_queries(12):
        assert client.get(url).status_code == 200
    response = client.post(url, {"reason": ""})
    assert response.context["form"].errors == {"reason": ["Bitte geben Sie den Grund der Löschsperre an."]}
    client.post(url, {"reason": "Familiengerichtliches Verfahren"})
    help_case.refresh_from_db()
    assert help_case.on_legal_hold
    assert help_case.legal_hold_by == coordinator
    client.post(reverse("case_legal_hold_lift", args=[help_case.pk]))
    help_case.refresh_from_db()
    assert not help_case.on_legal_hold


# Deletion periods.


def _closed_years_ago(case, user, years: int):
    close_case(user, case, "Hilfe beendet", case.version)
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - timedelta(days=365 * years + 2))
    case.refresh_from_db()
    return case


def test_retention_deletes_a_case_its_files_and_its_change_log(
    settings, coordinator, final_conference, consent, django_capture_on_commit_callbacks
):
    settings.RETENTION_CASE_YEARS = 5
    case = final_conference.case
    scan = consent.document.name
    assert default_storage.exists(scan)
    assert LogEntry.objects.filter(additional_data__case_id=case.pk).exclude(action=LogEntry.Action.ACCESS).exists()
    _closed_years_ago(case, coordinator, 6)

    dry = run_retention(dry_run=True)
    assert dry.cases == [case.code]
    assert dry.files == 1
    assert Case.objects.filter(pk=case.pk).exists()
    assert default_storage.exists(scan)

    # The files go once the deletion is committed (a rolled-back run keeps them).
    with django_capture_on_commit_callbacks(execute=True):
        run = run_retention()
    assert run.cases == [case.code]
    assert not Case.objects.filter(pk=case.pk).exists()
    assert not Consent.objects.exists()
    assert not Conference.objects.exists()
    assert not Task.objects.exists()
    assert not default_storage.exists(scan)
    changes = LogEntry.objects.filter(additional_data__case_id=case.pk).exclude(action=LogEntry.Action.ACCESS)
    assert not changes.exists()
    assert "Zeichen]" not in str(list(LogEntry.objects.values_list("changes", flat=True)))
    records = {(r.kind, r.case_code) for r in DeletionRecord.objects.all()}
    assert records == {(DeletionKind.CASE, case.code), (DeletionKind.CONSENT_FILE, case.code)}
    assert all("KOOPERATION_RETENTION_CASE_YEARS=5" in r.rule for r in DeletionRecord.objects.all())


def test_retention_keeps_open_recent_and_held_cases(settings, coordinator, help_case):
    settings.RETENTION_CASE_YEARS = 5
    assert run_retention().cases == []
    _closed_years_ago(help_case, coordinator, 4)
    assert run_retention().cases == []
    Case.objects.filter(pk=help_case.pk).update(closed_at=timezone.now() - timedelta(days=365 * 6))
    help_case.refresh_from_db()
    set_legal_hold(coordinator, help_case, "Gerichtsverfahren")
    run = run_retention()
    assert run.cases == []
    assert run.held == [help_case.code]
    assert Case.objects.filter(pk=help_case.pk).exists()


def test_retention_deletes_old_access_entries(settings, client_for, member, help_case):
    settings.RETENTION_ACCESS_LOG_YEARS = 3
    client_for(member).get(reverse("case_detail", args=[help_case.pk]))
    client_for(member).get(reverse("case_detail", args=[help_case.pk]))
    old = audit.reads().first()
    LogEntry.objects.filter(pk=old.pk).update(timestamp=timezone.now() - timedelta(days=3 * 366))
    run = run_retention()
    assert run.access_entries == 1
    assert audit.reads().count() == 1
    record = DeletionRecord.objects.get(kind=DeletionKind.ACCESS_LOG)
    assert record.count == 1
    assert record.case_code == ""


def test_the_commands_run_the_deletion(settings, coordinator, help_case):
    settings.RETENTION_CASE_YEARS = 1
    _closed_years_ago(help_case, coordinator, 2)
    out = StringIO()
    call_command("conferences_retention", "--dry-run", stdout=out)
    assert f"Fälle würden gelöscht: {help_case.code}" in out.getvalue()
    assert Case.objects.exists()
    out = StringIO()
    call_command("conferences_daily", stdout=out)
    assert f"Fälle gelöscht: {help_case.code}" in out.getvalue()
    assert not Case.objects.exists()


# Auskunft and exports.


def test_disclosure_lists_what_is_stored_and_is_logged_and_not_cached(
    client_for, coordinator, member, final_conference, consent, django_assert_num_queries
):
    client_for(member).get(reverse("case_detail", args=[final_conference.case_id]))
    client = client_for(coordinator)
    with django_assert_num_queries(15):
        response = client.get(reverse("case_disclosure", args=[final_conference.case_id]))
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert str(member) in page
    assert "Fallübersicht" in page
    assert "Teilnahme an Hilfekonferenzen und Ergebnisprotokolle" in page
    assert final_conference.situation not in page
    assert audit.reads().filter(actor=coordinator, additional_data__read="Auskunft (Art. 15 DSGVO)").count() == 1
    pdf = client.get(reverse("case_disclosure_pdf", args=[final_conference.case_id]))
    assert pdf["Content-Type"] == "application/pdf"
    assert "no-store" in pdf["Cache-Control"]


def test_the_case_access_log_exports_as_csv_without_content(client_for, coordinator, member, final_conference):
    client_for(member).get(reverse("conference_detail", args=[final_conference.pk]))
    response = client_for(coordinator).get(reverse("case_access_log_csv", args=[final_conference.case_id]))
    assert response["Content-Type"].startswith("text/csv")
    assert "no-store" in response["Cache-Control"]
    text = response.content.decode("utf-8-sig")
    assert text.startswith("Zeitpunkt;Person;Institution;Fall;")
    assert f"{member};Jugendamt Teststadt;{final_conference.case.code};" in text
    assert final_conference.situation not in text


def test_the_institution_access_log_exports_a_period(
    client_for, coordinator, admin_user, member, help_case, institution, django_assert_num_queries
):
    client_for(member).get(reverse("case_detail", args=[help_case.pk]))
    url = reverse("institution_access_log", args=[institution.pk])
    client = client_for(coordinator)
    with django_assert_num_queries(7):
        assert client.get(url).status_code == 200
    today = timezone.localdate()
    bad = client.get(url, {"start": today, "end": today - timedelta(days=1)})
    assert bad.context["form"].errors == {"end": ["Das Ende des Zeitraums muss nach seinem Beginn liegen."]}
    bad = client.get(url, {"start": "gestern", "end": today})
    assert bad.context["form"].errors == {"start": ["Bitte ein gültiges Datum eingeben."]}
    response = client.get(url, {"start": today - timedelta(days=1), "end": today})
    assert "no-store" in response["Cache-Control"]
    text = response.content.decode("utf-8-sig")
    assert f"{member};Jugendamt Teststadt;{help_case.code};" in text
    export = LogEntry.objects.get(action=LogEntry.Action.ACCESS, actor=coordinator, object_pk=str(institution.pk))
    assert export.additional_data["read"].startswith("Zugriffsprotokoll der Institution (CSV-Export)")
    response = client_for(admin_user).get(url, {"start": today, "end": today})
    assert response.status_code == 200
    assert f"{help_case.code}" in response.content.decode("utf-8-sig")


def test_every_export_is_written_to_the_security_log(client_for, coordinator, help_case, institution):
    client = client_for(coordinator)
    today = timezone.localdate()
    client.get(reverse("case_access_log_csv", args=[help_case.pk]))
    client.get(reverse("case_disclosure_pdf", args=[help_case.pk]))
    client.get(reverse("institution_access_log", args=[institution.pk]), {"start": today, "end": today})
    events = list(SecurityEvent.objects.filter(kind=SecurityEvent.Kind.EXPORT).order_by("pk"))
    assert [event.actor for event in events] == [coordinator] * 3
    assert [event.detail.split(" ")[0] for event in events] == ["Zugriffsprotokoll", "Auskunft", "Zugriffsprotokoll"]
    assert help_case.code in events[0].detail
    assert institution.name in events[2].detail
