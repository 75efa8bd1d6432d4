"""Who sees case data (SGB VIII §§ 61–65): the case team of institutions with valid consent; every access is logged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from conferences import access
from conferences import permissions as perms
from conferences.models import Case, Conference, Task
from conferences.services.cases import create_case, revoke_consent, set_case_institutions
from kooperation.network.models import Role
from tests.conference_fixtures import document, give_consent, join_team, make_colleague, plan, today
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _visible(user, case) -> bool:
    """The queryset rule and the object rule must agree."""
    in_queryset = Case.objects.visible_to(user).filter(pk=case.pk).exists()
    fresh = access.with_case_access(Case.objects.get(pk=case.pk))
    user._kooperation_memberships = None
    by_object = bool(perms.can_read_case(user, fresh))
    assert in_queryset == by_object
    # The loader of the case pages decides on the prefetched rows (access.sees_case), not in SQL.
    assert access.sees_case(user, fresh) == in_queryset
    return in_queryset


def _sees_conference(user, conference) -> bool:
    """The conference loader decides on the prefetched rows (access.sees_conference); it agrees with the queryset."""
    in_queryset = Conference.objects.visible_to(user).filter(pk=conference.pk).exists()
    fresh = Conference.objects.select_related("case").get(pk=conference.pk)
    access.with_case_access(fresh.case)
    user._kooperation_memberships = None
    assert access.sees_conference(user, fresh) == in_queryset
    return in_queryset


def test_invitees_see_the_conference_while_their_institution_has_access(
    coordinator, help_case, institution, partner_institution, outsider, consent
):
    conference = plan(help_case, coordinator)
    partner = make_colleague(partner_institution)
    colleague = make_colleague(institution)
    assert _sees_conference(coordinator, conference)
    assert not _sees_conference(partner, conference)
    assert not _sees_conference(colleague, conference)
    conference.invited.add(partner, colleague, outsider)
    assert _sees_conference(partner, conference)
    assert _sees_conference(colleague, conference)
    assert not _sees_conference(outsider, conference)  # invited, but its institution has no access to the case
    revoke_consent(coordinator, consent, today())
    assert not _sees_conference(partner, conference)
    assert _sees_conference(colleague, conference)


def test_partners_covered_by_consent_see_the_case(help_case, member, coordinator, partner_worker):
    assert _visible(member, help_case)
    assert _visible(coordinator, help_case)
    assert _visible(partner_worker, help_case)


def test_administration_does_not_see_case_content(client_for, admin_user, help_case, final_conference):
    assert not _visible(admin_user, help_case)
    for url in (
        reverse("case_detail", args=[help_case.pk]),
        reverse("conference_detail", args=[final_conference.pk]),
        reverse("conference_pdf", args=[final_conference.pk]),
    ):
        assert client_for(admin_user).get(url).status_code == 404
    assert client_for(admin_user).get(reverse("case_list")).context["page_obj"].paginator.count == 0


def test_administration_sees_a_case_its_own_institution_takes_part_in_once_on_the_team(
    admin_user, help_case, institution
):
    MembershipFactory(user=admin_user, institution=institution, role=Role.FACHKRAFT)
    admin_user._kooperation_memberships = None
    assert not _visible(admin_user, help_case)
    join_team(help_case, admin_user)
    assert _visible(admin_user, help_case)


def test_a_participant_loses_sight_when_its_consent_is_revoked(
    client_for, coordinator, help_case, partner_worker, consent
):
    revoke_consent(coordinator, consent, today())
    assert not _visible(partner_worker, help_case)
    assert client_for(partner_worker).get(reverse("case_detail", args=[help_case.pk])).status_code == 404
    # The owning institution keeps the archived case (and can record a new consent).
    assert _visible(coordinator, help_case)


def test_an_expired_or_future_consent_covers_nobody(
    coordinator, agreement, institution, partner_institution, partner_worker
):
    case = create_case(coordinator, agreement=agreement, owner_institution=institution)
    give_consent(case, coordinator, [institution, partner_institution])
    set_case_institutions(coordinator, case, [institution, partner_institution], case.version)
    join_team(case, partner_worker, partner_institution)
    assert _visible(partner_worker, case)
    consent = case.consents.get()
    consent.valid_until = today() - timedelta(days=1)
    consent.given_on = today() - timedelta(days=30)
    consent.save()
    assert not _visible(partner_worker, case)
    consent.given_on = today() + timedelta(days=1)
    consent.valid_until = today() + timedelta(days=30)
    consent.save()
    assert not _visible(partner_worker, case)


def test_a_consent_not_covering_a_participant_hides_the_case_from_it(
    coordinator, agreement, institution, partner_institution, partner_worker
):
    case = create_case(coordinator, agreement=agreement, owner_institution=institution)
    give_consent(case, coordinator, [institution, partner_institution])
    set_case_institutions(coordinator, case, [institution, partner_institution], case.version)
    join_team(case, partner_worker, partner_institution)
    assert _visible(partner_worker, case)
    case.consents.get().institutions.remove(partner_institution)
    assert not _visible(partner_worker, case)


def test_outsiders_guessing_ids_get_404_everywhere(client_for, outsider, final_conference, consent, task):
    client = client_for(outsider)
    for name, pk in (
        ("case_detail", final_conference.case_id),
        ("conference_detail", final_conference.pk),
        ("conference_pdf", final_conference.pk),
        ("conference_ics", final_conference.pk),
        ("consent_document", consent.pk),
        ("task_status", task.pk),
    ):
        assert client.get(reverse(name, args=[pk])).status_code == 404, name
    assert client.get(reverse("case_detail", args=[final_conference.case_id + 1000])).status_code == 404


def test_outsiders_do_not_see_foreign_tasks(client_for, outsider, task):
    response = client_for(outsider).get(reverse("my_tasks"))
    assert response.context["page_obj"].paginator.count == 0


def test_every_read_is_logged_with_the_case(client_for, member, final_conference, consent):
    client = client_for(member)
    client.get(reverse("case_detail", args=[final_conference.case_id]))
    client.get(reverse("conference_detail", args=[final_conference.pk]))
    client.get(reverse("conference_pdf", args=[final_conference.pk]))
    client.get(reverse("consent_document", args=[consent.pk]))
    reads = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, actor=member)
    assert reads.count() == 4
    assert {entry.additional_data["case_id"] for entry in reads} == {final_conference.case_id}
    assert {entry.additional_data["read"] for entry in reads} == {
        "Fallübersicht",
        "Hilfekonferenz",
        "Ergebnisprotokoll (PDF)",
        "eingescannte Einwilligung",
    }


def test_every_write_is_logged_without_the_free_text(coordinator, conference):
    conference.situation = "Sehr persönliche Angaben"
    conference.save()
    entry = LogEntry.objects.filter(
        additional_data__case_id=conference.case_id, action=LogEntry.Action.UPDATE, object_pk=str(conference.pk)
    ).latest("timestamp")
    assert entry.changes_dict["situation"] == ["", "[24 Zeichen]"]
    assert "persönliche" not in str(LogEntry.objects.filter(additional_data__case_id=conference.case_id).values())


def test_tasks_and_rows_carry_the_case_in_the_log(coordinator, conference):
    document(conference, coordinator, tasks=1)
    task = Task.objects.get()
    assert LogEntry.objects.filter(
        additional_data__case_id=conference.case_id, object_pk=str(task.pk), action=LogEntry.Action.CREATE
    ).exists()


def test_owner_koordination_reads_the_access_log(client_for, coordinator, member, help_case):
    client_for(member).get(reverse("case_detail", args=[help_case.pk]))
    response = client_for(coordinator).get(reverse("case_access_log", args=[help_case.pk]))
    assert response.status_code == 200
    lines = response.context["entries"]
    assert any(line.actor == member and line.read == "Fallübersicht" for line in lines)
    assert any(line.action == "angelegt" and line.what.startswith("Fall:") for line in lines)


def test_a_partner_koordination_may_not_read_the_owners_access_log(client_for, help_case, partner_institution):
    partner_coordinator = MembershipFactory(
        institution=partner_institution, role=Role.KOORDINATION, user=UserFactory()
    ).user
    join_team(help_case, partner_coordinator, partner_institution)
    response = client_for(partner_coordinator).get(reverse("case_access_log", args=[help_case.pk]))
    assert response.status_code == 403
    assert (
        "Das Zugriffsprotokoll sieht nur die Koordination der fallführenden Institution." in response.content.decode()
    )


def test_a_mitglied_reads_but_does_not_document(client_for, member, help_case):
    response = client_for(member).get(reverse("case_detail", args=[help_case.pk]))
    assert response.status_code == 200
    assert not response.context["can_edit"]
    assert "Hilfekonferenz planen" not in response.content.decode()
    refused = client_for(member).get(reverse("conference_create", args=[help_case.pk]))
    assert refused.status_code == 403
    assert "Fälle bearbeiten nur Fachkräfte und die Koordination" in refused.content.decode()
