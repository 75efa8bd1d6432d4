"""Issue 14: every state has its exits; signatures as they arrive; "Unterzeichnet – gültig ab"; the work moves along.

Each exit has a reason, a confirmation page that works without JavaScript (GET), a StatusChange (history)
and a mail to the partners; signatures are voided and kept, never deleted.
"""

from __future__ import annotations

import re
from datetime import date, time, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from agreements import permissions as perms
from agreements.models import Agreement, Deputy, FrozenContract, QualityDialogue, Signature, Status, StatusChange
from agreements.services import lifecycle, signing, validity
from conferences.models import Body, Case, Meeting
from conferences.services.cases import create_case
from conferences.services.conferences import plan_conference
from kooperation.core.dates import add_months
from kooperation.core.errors import DomainError
from kooperation.network.models import Role
from tests import signing_data as sd
from tests.factories import MembershipFactory, UserFactory
from tests.pdf_samples import PLAIN_PDF

pytestmark = pytest.mark.django_db

PDF_SCAN = PLAIN_PDF  # a real, harmless PDF: uploads are parsed, not just sniffed


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def parties(institution, partner_institution, coordinator, leader_user):
    return [
        sd.party(institution, koordination=coordinator, leitung=leader_user, leader_name="Dr. Lea Lange"),
        sd.party(partner_institution, leader_name="Prof. Dr. Martin Weiß"),
    ]


@pytest.fixture
def frozen(parties, coordinator):
    agreement = sd.approved(parties)
    sd.release(agreement, coordinator)
    return Agreement.objects.get(pk=agreement.pk)


@pytest.fixture
def in_force(parties, frozen):
    return sd.take_effect(sd.sign_all(frozen, parties))


def refused(message: str):
    return pytest.raises(DomainError, match=re.escape(message))


def _reload(agreement: Agreement) -> Agreement:
    return Agreement.objects.get(pk=agreement.pk)


def _content(response) -> str:
    return response.content.decode()


def _step_url(agreement: Agreement, name: str) -> str:
    return reverse("agreement_transition", args=[agreement.pk, name])


def _mails_to(mailoutbox, subject: str) -> set[str]:
    return {m.to[0] for m in mailoutbox if m.subject == subject}


# Discard a draft -------------------------------------------------------------------------------------------------


def test_a_draft_is_discarded_with_a_reason_on_a_page_without_javascript(
    client_for, coordinator, member, agreement, mailoutbox, django_capture_on_commit_callbacks
):
    client = client_for(coordinator)
    detail = _content(client.get(agreement.get_absolute_url()))
    assert f'href="{_step_url(agreement, "discard")}"' in detail  # a link, not a JavaScript confirm
    page = client.get(_step_url(agreement, "discard"))
    assert page.status_code == 200
    assert "Der Entwurf wird verworfen und archiviert" in _content(page)
    assert 'name="comment"' in _content(page)

    refused_page = client.post(_step_url(agreement, "discard"), {"comment": " "}, follow=True)
    assert "Bitte geben Sie eine Begründung an." in _content(refused_page)
    assert _reload(agreement).status == Status.ENTWURF

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_step_url(agreement, "discard"), {"comment": "Das Projekt kommt nicht zustande."})
    assert response.status_code == 302
    discarded = _reload(agreement)
    assert (discarded.status, discarded.end_reason) == (Status.VERWORFEN, "Das Projekt kommt nicht zustande.")
    change = StatusChange.objects.get(agreement=agreement, transition="discard")
    assert (change.by, change.comment) == (coordinator, "Das Projekt kommt nicht zustande.")
    mails = [m for m in mailoutbox if m.subject == "Ein Entwurf wurde verworfen"]
    assert mails
    assert "„Kooperationsvereinbarung Teststadt“" in mails[0].body
    assert agreement.get_absolute_url() in mails[0].body
    # Nothing is deleted: the partners still read it, marked Verworfen, and can no longer edit it.
    page = _content(client_for(member).get(agreement.get_absolute_url()))
    assert ">Verworfen<" in page
    assert not perms.can_edit_agreement(coordinator, discarded)


def test_discarding_is_for_a_partners_koordination_only(client_for, member, outsider, agreement):
    assert client_for(member).get(_step_url(agreement, "discard")).status_code == 403
    assert client_for(outsider).get(_step_url(agreement, "discard")).status_code == 404
    assert client_for(member).post(_step_url(agreement, "discard"), {"comment": "x"}).status_code == 302
    assert _reload(agreement).status == Status.ENTWURF


# Abandon an amendment --------------------------------------------------------------------------------------------


def test_an_abandoned_amendment_leaves_the_revision_in_force_and_a_new_one_can_start(
    coordinator, in_force, mailoutbox, django_capture_on_commit_callbacks
):
    amendment = validity.start_amendment(coordinator, in_force)
    with refused("Eine Änderung wird nicht verworfen, sondern abgebrochen."):
        lifecycle.perform(coordinator, amendment, "discard", "x")
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.perform(coordinator, amendment, "abandon_amendment", "Doch nicht nötig.")
    abandoned, current = _reload(amendment), _reload(in_force)
    assert abandoned.status == Status.VERWORFEN
    assert abandoned.end_reason == f"Änderung von {current.revision_label} abgebrochen: Doch nicht nötig."
    assert current.status == Status.IN_KRAFT
    assert _mails_to(mailoutbox, "Eine Änderung wurde abgebrochen")
    assert perms.can_amend(coordinator, current)
    again = validity.start_amendment(coordinator, current)
    assert (again.revision, again.series_id) == (2, current.pk)  # the abandoned one keeps number 1
    assert [r.revision for r in current.revisions()] == [0, 1, 2]


def test_a_first_revision_cannot_be_abandoned_as_an_amendment(coordinator, frozen):
    decision = lifecycle.check(coordinator, frozen, "abandon_amendment")
    assert decision.reason == "Nur eine Änderung einer geltenden Vereinbarung kann abgebrochen werden."


# Withdraw from signing, refuse to sign ---------------------------------------------------------------------------


def test_withdrawing_from_signing_voids_signatures_and_a_new_release_renders_a_new_contract(
    client_for, coordinator, parties, frozen, mailoutbox, django_capture_on_commit_callbacks
):
    sd.sign(frozen, parties[0])
    old_contract = FrozenContract.objects.get(agreement=frozen)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(coordinator).post(_step_url(frozen, "withdraw_from_signing"), {"comment": "Ziele fehlen."})
    agreement = _reload(frozen)
    assert agreement.status == Status.IN_ERARBEITUNG
    signature = Signature.objects.get(agreement=agreement)
    assert signature.voided_at is not None
    assert signature.void_reason == "Aus der Unterzeichnung zurückgezogen: Ziele fehlen."
    old_contract.refresh_from_db()
    assert old_contract.withdrawn_at is not None
    assert parties[1].leitung.email in _mails_to(
        mailoutbox, "Eine Vereinbarung wurde aus der Unterzeichnung zurückgezogen"
    )
    page = _content(client_for(coordinator).get(reverse("agreement_signatures", args=[agreement.pk])))
    assert "Ungültige Unterschriften" in page
    assert "Aus der Unterzeichnung zurückgezogen: Ziele fehlen." in page

    lifecycle.perform(coordinator, agreement, "start_approval")
    sd.approve(agreement, parties)
    sd.release(_reload(agreement), coordinator)
    contracts = FrozenContract.objects.filter(agreement=agreement)
    assert contracts.count() == 2
    assert _reload(agreement).frozen_contract.pk != old_contract.pk
    sd.sign(agreement, parties[0])  # the voided signature does not block a new one
    assert Signature.objects.valid().filter(agreement=agreement).count() == 1


def test_a_leitung_refuses_to_sign_with_a_comment_and_it_returns_to_koordination(
    client_for, coordinator, parties, frozen, mailoutbox, django_capture_on_commit_callbacks
):
    leitung = parties[1].leitung
    assert client_for(coordinator).get(_step_url(frozen, "refuse_signing")).status_code == 403
    client = client_for(leitung)
    assert "Unterschrift verweigern" in _content(client.get(frozen.get_absolute_url()))
    assert client.get(_step_url(frozen, "refuse_signing")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_step_url(frozen, "refuse_signing"), {"comment": "Der Datenschutz ist zu vage."})
    agreement = _reload(frozen)
    assert agreement.status == Status.IN_ERARBEITUNG
    change = StatusChange.objects.get(agreement=agreement, transition="refuse_signing")
    assert (change.by, change.comment) == (leitung, "Der Datenschutz ist zu vage.")
    assert coordinator.email in _mails_to(mailoutbox, "Eine Unterschrift wurde verweigert")


def test_a_partner_that_signed_does_not_refuse(parties, frozen):
    sd.sign(frozen, parties[0])
    with refused("Ihre Institution hat bereits unterschrieben."):
        lifecycle.perform(parties[0].leitung, _reload(frozen), "refuse_signing", "Doch nicht.")


# End with a notice period ----------------------------------------------------------------------------------------


def test_ending_before_the_notice_period_is_refused_and_notice_ends_it_later(client_for, coordinator, in_force):
    earliest = add_months(timezone.localdate(), 6)
    expected = f"Die Kündigungsfrist beträgt 6 Monat(e): Die Vereinbarung kann frühestens zum {earliest:%d.%m.%Y}"
    with refused(expected):
        lifecycle.perform(coordinator, in_force, "end", "Sofort.")
    client = client_for(coordinator)
    page = _content(client.get(_step_url(in_force, "end")))
    assert expected in page
    assert 'name="on"' in page

    too_early = client.post(
        _step_url(in_force, "end"), {"comment": "Umstrukturierung", "on": (earliest - timedelta(days=1)).isoformat()}
    )
    assert too_early.status_code == 302
    assert _reload(in_force).notice_given_on is None
    client.post(_step_url(in_force, "end"), {"comment": "Umstrukturierung", "on": earliest.isoformat()})
    agreement = _reload(in_force)
    assert (agreement.status, agreement.in_force_until, agreement.notice_given_on) == (
        Status.IN_KRAFT,
        earliest,
        timezone.localdate(),
    )
    assert validity.daily(today=earliest + timedelta(days=1))["expired"] == 1
    ended = _reload(in_force)
    assert ended.status == Status.BEENDET
    assert ended.end_reason == f"Gekündigt zum {earliest:%d.%m.%Y}: Umstrukturierung"


# Signatures as they arrive ---------------------------------------------------------------------------------------


def _paper(client, agreement, institution, **extra):
    data = {
        "papier-institution": institution.pk,
        "papier-signer_name": "Prof. Dr. Martin Weiß",
        "papier-signer_function": "Ärztlicher Direktor",
        "papier-signed_on": timezone.localdate().isoformat(),
        "papier-place": "Teststadt",
        "papier-file": SimpleUploadedFile("seite.pdf", PDF_SCAN, content_type="application/pdf"),
        **extra,
    }
    return client.post(reverse("paper_signature", args=[agreement.pk]), data, follow=True)


def test_koordination_records_a_paper_signature_marked_as_recorded_by_it(
    client_for, coordinator, member, frozen, partner_institution
):
    assert client_for(member).get(reverse("paper_signature", args=[frozen.pk])).status_code == 403
    response = _paper(client_for(coordinator), frozen, partner_institution)
    assert "ist erfasst" in _content(response)
    signature = Signature.objects.get(agreement=frozen, institution=partner_institution)
    assert (signature.received_on_paper, signature.recorded_by, signature.method) == (True, coordinator, "scan")
    assert signature.file_sha256
    page = _content(client_for(member).get(reverse("agreement_signatures", args=[frozen.pk])))
    name = coordinator.get_full_name() or coordinator.email
    assert f"auf Papier eingegangen, erfasst von {name} am {timezone.localdate():%d.%m.%Y}" in page


def test_a_paper_signature_needs_a_scan(client_for, coordinator, frozen, partner_institution):
    response = client_for(coordinator).post(
        reverse("paper_signature", args=[frozen.pk]),
        {
            "papier-institution": partner_institution.pk,
            "papier-signer_name": "X",
            "papier-signer_function": "Y",
            "papier-signed_on": timezone.localdate().isoformat(),
            "papier-place": "Z",
        },
    )
    assert response.status_code == 200
    assert not Signature.objects.filter(agreement=frozen).exists()


def test_a_wrong_signature_is_voided_with_a_reason_and_kept(
    client_for,
    coordinator,
    member,
    parties,
    frozen,
    partner_institution,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    _paper(client_for(coordinator), frozen, partner_institution)
    signature = Signature.objects.get(agreement=frozen)
    url = reverse("signature_void", args=[signature.pk])
    assert client_for(member).get(url).status_code == 403
    client = client_for(coordinator)
    assert client.get(url).status_code == 200
    assert client.post(url, {"reason": ""}).status_code == 200  # field error, nothing voided
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"reason": "Falsche Institution erfasst."})
    signature.refresh_from_db()
    assert (signature.void_reason, signature.voided_by) == ("Falsche Institution erfasst.", coordinator)
    assert _mails_to(mailoutbox, "Eine Unterschrift wurde für ungültig erklärt")
    assert Signature.objects.filter(agreement=frozen).count() == 1  # kept
    sd.sign(frozen, parties[1])  # the partner can now sign for real
    assert Signature.objects.valid().filter(agreement=frozen).count() == 1


def test_a_deputy_signs_i_v_during_the_named_period(client_for, leader_user, parties, frozen, institution):
    deputy_user = MembershipFactory(
        institution=institution, role=Role.MITGLIED, user=UserFactory(first_name="Vera")
    ).user
    today = timezone.localdate()
    client = client_for(leader_user)
    response = client.post(
        reverse("deputies"),
        {
            "institution": institution.pk,
            "user": deputy_user.pk,
            "function": "stellv. Amtsleitung",
            "valid_from": today.isoformat(),
            "valid_until": (today + timedelta(days=14)).isoformat(),
        },
        follow=True,
    )
    assert "Die Vertretung ist benannt." in _content(response)
    assert Deputy.objects.filter(user=deputy_user, institution=institution).exists()
    assert perms.can_sign(deputy_user, frozen, institution)
    start = _content(client_for(deputy_user).get(reverse("dashboard")))
    assert "Ihre Unterschrift wird erwartet: Kooperationsvereinbarung" in start
    sd.sign(frozen, sd.Party(institution, parties[0].koordination, deputy_user, parties[0].leader))
    signature = Signature.objects.get(agreement=frozen, institution=institution)
    assert signature.deputy_for == "Dr. Lea Lange, Geschäftsführung"
    page = _content(client_for(leader_user).get(reverse("agreement_signatures", args=[frozen.pk])))
    assert "i. V. Vera" in page
    assert "(für Dr. Lea Lange, Geschäftsführung)" in page


def test_a_deputy_outside_the_period_does_not_sign(leader_user, frozen, institution):
    deputy_user = MembershipFactory(institution=institution, role=Role.MITGLIED).user
    past = timezone.localdate() - timedelta(days=30)
    signing.name_deputy(leader_user, institution, deputy_user, function="", valid_from=past, valid_until=past)
    assert not perms.can_sign(deputy_user, frozen, institution)


def test_only_a_leitung_names_a_deputy(client_for, coordinator, member, institution):
    response = client_for(coordinator).post(reverse("deputies"), {"institution": institution.pk})
    assert response.status_code == 403
    with refused("Eine Vertretung benennt die Leitung der Institution."):
        signing.name_deputy(
            coordinator, institution, member, function="", valid_from=date(2026, 1, 1), valid_until=date(2026, 2, 1)
        )


def test_the_leitungs_start_page_lists_signatures_expected(client_for, leader_user, member, frozen):
    page = _content(client_for(leader_user).get(reverse("dashboard")))
    assert "Ihre Unterschrift wird erwartet: Kooperationsvereinbarung" in page
    assert reverse("agreement_signatures", args=[frozen.pk]) in page
    assert "Ihre Unterschrift wird erwartet" not in _content(client_for(member).get(reverse("dashboard")))


def test_signing_mails_name_the_agreement_and_link_to_it(
    coordinator, parties, mailoutbox, django_capture_on_commit_callbacks
):
    agreement = sd.approved(parties)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.perform(coordinator, agreement, "release_for_signing")
    mail = next(m for m in mailoutbox if m.subject == "Eine Kooperationsvereinbarung liegt zur Unterzeichnung vor")
    assert f"„{agreement.title}“" in mail.body
    assert reverse("agreement_signatures", args=[agreement.pk]) in mail.body


# The work moves along --------------------------------------------------------------------------------------------


def test_an_amendment_in_force_takes_cases_meetings_and_the_quality_dialogue_along(
    coordinator, parties, institution, in_force
):
    case = create_case(coordinator, agreement=in_force, owner_institution=institution)
    planned = Meeting.objects.create(
        agreement=in_force,
        body=Body.KOOPERATIONSGREMIUM,
        date=timezone.localdate() + timedelta(days=60),
        start_time=time(14, 0),
        place="Rathaus",
        recorder=coordinator,
        created_by=coordinator,
    )
    dialogue = QualityDialogue.objects.create(agreement=in_force, year=2026, opened_by=coordinator)
    amendment = validity.start_amendment(coordinator, in_force)
    lifecycle.perform(coordinator, amendment, "start_approval")
    sd.approve(amendment, parties)
    sd.release(_reload(amendment), coordinator)
    sd.sign_all(amendment, parties)
    assert Case.objects.get(pk=case.pk).agreement_id == in_force.pk  # signed, not yet valid
    new = sd.take_effect(amendment)
    assert new.status == Status.IN_KRAFT
    assert _reload(in_force).status == Status.BEENDET
    assert Case.objects.get(pk=case.pk).agreement_id == new.pk
    assert Meeting.objects.get(pk=planned.pk).agreement_id == new.pk
    assert QualityDialogue.objects.get(pk=dialogue.pk).agreement_id == new.pk


def test_nothing_new_is_planned_under_a_beendet_revision(coordinator, institution, in_force):
    case = create_case(coordinator, agreement=in_force, owner_institution=institution)
    in_force.term.notice_period_months = None
    in_force.term.save()
    lifecycle.perform(coordinator, in_force, "end", "Projekt eingestellt.")
    with refused("Unter einer beendeten Vereinbarung können keine Fälle mehr angelegt werden."):
        create_case(coordinator, agreement=_reload(in_force), owner_institution=institution)
    case.refresh_from_db()
    with refused("wird keine Hilfekonferenz mehr geplant"):
        plan_conference(
            coordinator,
            case,
            invited=[coordinator],
            invited_family=[],
            date=timezone.localdate(),
            start_time=time(10, 0),
            place="Raum 3",
            moderator=coordinator,
        )


# Query counts of the new pages -----------------------------------------------------------------------------------


@pytest.mark.parametrize("extra_partners", [0, 3])
def test_new_pages_have_pinned_query_counts(client_for, coordinator, frozen, django_assert_num_queries, extra_partners):
    for n in range(extra_partners):
        frozen.partners.create(institution=sd.institutions(1, prefix=f"Extra{n}")[0], position=10 + n)
    client = client_for(coordinator)
    for url, queries in (
        (_step_url(frozen, "withdraw_from_signing"), 5),
        (reverse("paper_signature", args=[frozen.pk]), 6),
        (reverse("deputies"), 4),
    ):
        client.get(url)
        with django_assert_num_queries(queries):
            assert client.get(url).status_code == 200
