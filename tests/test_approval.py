"""The approval round (Abstimmung): preconditions, who decides, returns with comments, e-mails, the start page."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from agreements.models import (
    Agreement,
    ApprovalRound,
    Decision,
    SectionComment,
    Status,
    StatusChange,
    TargetGroup,
)
from agreements.queries.structure import Structure
from agreements.services import lifecycle
from agreements.services import structure as service
from agreements.services.agreement import copy_revision
from kooperation.core.errors import DomainError
from kooperation.network.models import Membership
from tests.structure_data import person, ready_for_approval, start_work, submit_everything

pytestmark = pytest.mark.django_db

COMMENT = "Bitte im Ablaufplan der Klinik ergänzen, wer den Sozialdienst informiert."
RETURN_NEEDS_COMMENT = "Bitte schreiben Sie dazu, was am Text geändert werden soll."


@pytest.fixture
def partner_member(partner_institution):
    """Mitglied of `partner_institution`, its only representative in the board."""
    return person(partner_institution, first_name="Paula")


@pytest.fixture
def ready(agreement, coordinator, member, partner_member):
    """In Erarbeitung, valid structure (board: coordinator and member for JA, partner_member for KL), text complete."""
    return ready_for_approval(agreement, coordinator)


@pytest.fixture
def in_approval(ready, coordinator):
    return lifecycle.perform(coordinator, ready, "start_approval")


def _fresh(agreement) -> Agreement:
    return Agreement.objects.get(pk=agreement.pk)


def _page(response) -> str:
    return response.content.decode()


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _decide(user, agreement, institution, decision, comment=""):
    return _client(user).post(
        reverse("agreement_approval", args=[agreement.pk]),
        {"institution": institution.pk, "decision": decision, "comment": comment},
        follow=True,
    )


def _link(agreement) -> str:
    return f"{settings.SITE_URL}{reverse('agreement_approval', args=[agreement.pk])}"


# --- starting the round: only with a valid structure and a complete text ----------------------


def test_start_approval_is_refused_while_a_section_is_incomplete(agreement, coordinator, member, partner_member):
    working = start_work(agreement, coordinator)
    submit_everything(working)
    response = _client(coordinator).post(
        reverse("agreement_transition", args=[working.pk, "start_approval"]), follow=True
    )
    page = _page(response)
    assert "Zielgruppen: Es ist noch keine Zielgruppe beschrieben." in page
    assert "Ziele und Indikatoren: Es ist noch kein Ziel formuliert." in page
    assert "weitere fehlende Angaben." in page
    assert _fresh(working).status == Status.IN_ERARBEITUNG
    assert not ApprovalRound.objects.filter(agreement=working).exists()


def test_start_approval_names_the_one_section_left(ready, coordinator):
    TargetGroup.objects.filter(agreement=ready).delete()
    decision = lifecycle.check(coordinator, _fresh(ready), "start_approval")
    assert not decision
    assert decision.reason == "Zielgruppen: Es ist noch keine Zielgruppe beschrieben."


def test_start_approval_is_refused_while_the_structure_is_invalid(ready, coordinator, partner_member):
    Membership.objects.filter(user=partner_member).delete()
    decision = lifecycle.check(coordinator, _fresh(ready), "start_approval")
    assert not decision
    assert f"{partner_member.get_full_name()} gehört nicht mehr zu „Klinikum Teststadt“" in decision.reason
    assert "Für „Klinikum Teststadt“ fehlt noch eine Vertretung im Kooperationsgremium." in decision.reason
    with pytest.raises(DomainError):
        lifecycle.perform(coordinator, _fresh(ready), "start_approval")
    assert _fresh(ready).status == Status.IN_ERARBEITUNG


def test_start_approval_is_shown_disabled_with_its_reasons(agreement, coordinator, member, partner_member):
    working = start_work(agreement, coordinator)
    page = _page(_client(coordinator).get(reverse("agreement_approval", args=[working.pk])))
    assert "Abstimmung beginnen" in page
    assert "Noch nicht möglich: Zielgruppen: Es ist noch keine Zielgruppe beschrieben." in page


def test_start_approval_is_for_coordination_only(ready, member):
    response = _client(member).post(reverse("agreement_transition", args=[ready.pk, "start_approval"]), follow=True)
    assert "Diesen Schritt geht nur die Koordination einer Partnerinstitution." in _page(response)
    assert _fresh(ready).status == Status.IN_ERARBEITUNG


def test_start_approval_opens_a_round_and_asks_the_board_by_email(
    ready, coordinator, member, partner_member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(coordinator).post(
            reverse("agreement_transition", args=[ready.pk, "start_approval"]), follow=True
        )
    assert "Die Vereinbarung hat jetzt den Status „In Abstimmung“." in _page(response)
    assert _fresh(ready).status == Status.IN_ABSTIMMUNG
    assert list(ApprovalRound.objects.filter(agreement=ready).values_list("number", flat=True)) == [1]
    assert sorted(m.to[0] for m in mail.outbox) == sorted([coordinator.email, member.email, partner_member.email])
    for message in mail.outbox:
        assert message.subject == "Ihre Zustimmung wird erwartet"
        assert _link(ready) in message.body
        # Links only: no title, no text, no answers, no names.
        assert ready.title not in message.body
        assert "Schwangere mit Suchtproblematik" not in message.body
        assert "Antwort der Untergruppe" not in message.body
        assert partner_member.last_name not in message.body


# --- deciding: only a partner's board representative, once per round ------------------------


def test_partner_user_outside_the_board_gets_403(in_approval, partner_institution):
    nurse = person(partner_institution, first_name="Nina")
    response = _client(nurse).post(
        reverse("agreement_approval", args=[in_approval.pk]),
        {"institution": partner_institution.pk, "decision": Decision.APPROVED},
    )
    assert response.status_code == 403
    assert "Sie vertreten keine Partnerinstitution im Kooperationsgremium" in str(response.context["exception"])
    page = _page(_client(nurse).get(reverse("agreement_approval", args=[in_approval.pk])))
    assert "Ihre Entscheidung" not in page


def test_outsider_gets_404_on_the_approval_page(in_approval, outsider):
    assert _client(outsider).get(reverse("agreement_approval", args=[in_approval.pk])).status_code == 404


def test_board_member_cannot_decide_for_another_partner(in_approval, member, partner_institution):
    response = _decide(member, in_approval, partner_institution, Decision.APPROVED)
    assert "institution" in response.context["form"].errors
    assert not in_approval.approval_rounds.get().approvals.exists()
    with pytest.raises(DomainError, match="entscheidet nur ihre Vertretung im Kooperationsgremium"):
        service.decide(member, in_approval, partner_institution.pk, Decision.APPROVED, "")


def test_board_member_who_left_the_institution_cannot_decide(in_approval, partner_institution, partner_member):
    Membership.objects.filter(user=partner_member).delete()
    partner_member = type(partner_member).objects.get(pk=partner_member.pk)
    with pytest.raises(DomainError) as refused:
        service.decide(partner_member, in_approval, partner_institution.pk, Decision.APPROVED, "")
    assert refused.value.message == (
        "Sie gehören nicht mehr zu „Klinikum Teststadt“ und können nicht mehr für sie entscheiden."
    )


def test_return_needs_a_comment(in_approval, partner_institution, partner_member):
    response = _decide(partner_member, in_approval, partner_institution, Decision.RETURNED, "  ")
    assert response.context["form"].errors["comment"] == [RETURN_NEEDS_COMMENT]
    assert _fresh(in_approval).status == Status.IN_ABSTIMMUNG
    with pytest.raises(DomainError, match=RETURN_NEEDS_COMMENT):
        service.decide(partner_member, in_approval, partner_institution.pk, Decision.RETURNED, "")


def test_one_decision_per_partner_and_round(in_approval, institution, coordinator, member):
    _decide(member, in_approval, institution, Decision.APPROVED)
    page = _page(_client(coordinator).get(reverse("agreement_approval", args=[in_approval.pk])))
    assert "Ihre Entscheidung" not in page
    with pytest.raises(DomainError, match="in dieser Runde bereits entschieden"):
        service.decide(coordinator, in_approval, institution.pk, Decision.APPROVED, "")


def test_returned_text_goes_back_to_work_with_the_comment_visible(
    in_approval, coordinator, member, partner_institution, partner_member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _decide(partner_member, in_approval, partner_institution, Decision.RETURNED, COMMENT)
    assert "Ihre Entscheidung wurde gespeichert." in _page(response)

    agreement = _fresh(in_approval)
    assert agreement.status == Status.IN_ERARBEITUNG
    change = StatusChange.objects.get(agreement=agreement, transition="return_text")
    assert (change.from_status, change.to_status, change.by, change.comment) == (
        Status.IN_ABSTIMMUNG,
        Status.IN_ERARBEITUNG,
        partner_member,
        COMMENT,
    )
    assert ApprovalRound.objects.get(agreement=agreement).closed_at is not None

    page = _page(_client(member).get(reverse("agreement_approval", args=[agreement.pk])))
    assert f"„{COMMENT}“" in page
    assert "mit Anmerkungen zurückgegeben" in page
    assert "Ihre Entscheidung" not in page

    # Koordination of the partners hears of it, by link only.
    assert [m.to for m in mail.outbox] == [[coordinator.email]]
    assert mail.outbox[0].subject == "Der Text wurde mit Anmerkungen zurückgegeben"
    assert _link(agreement) in mail.outbox[0].body
    assert COMMENT not in mail.outbox[0].body
    assert agreement.title not in mail.outbox[0].body


def test_after_a_return_the_remaining_partners_cannot_decide(
    in_approval, institution, member, partner_institution, partner_member
):
    service.decide(partner_member, in_approval, partner_institution.pk, Decision.RETURNED, COMMENT)
    response = _client(member).post(
        reverse("agreement_approval", args=[in_approval.pk]),
        {"institution": institution.pk, "decision": Decision.APPROVED},
    )
    assert response.status_code == 403
    with pytest.raises(DomainError, match="Es läuft gerade keine Abstimmung"):
        service.decide(member, _fresh(in_approval), institution.pk, Decision.APPROVED, "")


def test_all_approved_closes_the_round(
    in_approval,
    institution,
    partner_institution,
    coordinator,
    member,
    partner_member,
    django_capture_on_commit_callbacks,
):
    _decide(member, in_approval, institution, Decision.APPROVED)
    assert not Structure(_fresh(in_approval)).all_approved()
    assert Structure(_fresh(in_approval)).approvals_missing() == [
        "Die Zustimmung von „Klinikum Teststadt“ steht noch aus."
    ]
    with django_capture_on_commit_callbacks(execute=True):
        _decide(partner_member, in_approval, partner_institution, Decision.APPROVED)

    agreement = _fresh(in_approval)
    structure = Structure(agreement)
    assert structure.all_approved()
    assert agreement.status == Status.IN_ABSTIMMUNG
    assert ApprovalRound.objects.get(agreement=agreement).closed_at is not None
    steps = structure.steps([])
    assert steps[6].done
    assert steps[7].locked == ""
    assert [m.to for m in mail.outbox] == [[coordinator.email]]
    assert mail.outbox[0].subject == "Alle Partner haben zugestimmt"
    assert _link(agreement) in mail.outbox[0].body


def test_a_second_round_follows_a_return(
    in_approval, institution, partner_institution, coordinator, member, partner_member
):
    service.decide(partner_member, in_approval, partner_institution.pk, Decision.RETURNED, COMMENT)
    second = lifecycle.perform(coordinator, _fresh(in_approval), "start_approval")
    assert list(ApprovalRound.objects.filter(agreement=second).values_list("number", flat=True)) == [1, 2]
    assert Structure(second).approval_state()[0][1] is None

    _decide(member, second, institution, Decision.APPROVED)
    _decide(partner_member, second, partner_institution, Decision.APPROVED)
    assert Structure(_fresh(second)).all_approved()
    page = _page(_client(coordinator).get(reverse("agreement_approval", args=[second.pk])))
    assert "Abstimmungsrunde 2" in page
    assert "Abstimmungsrunde 1" in page
    assert COMMENT in page


def test_signing_step_is_not_locked_once_the_text_is_released(in_approval):
    Agreement.objects.filter(pk=in_approval.pk).update(status=Status.ZUR_UNTERZEICHNUNG)
    steps = Structure(_fresh(in_approval)).steps([])
    assert steps[6].done
    assert steps[7].locked == ""
    assert steps[7].missing == ["Die Vereinbarung ist noch nicht von allen Partnern unterzeichnet."]


# --- the start page ---------------------------------------------------------------------------


EXPECTED = "Ihre Zustimmung wird erwartet: Kooperationsvereinbarung Teststadt"


def test_dashboard_asks_each_board_member_for_the_approval(
    in_approval, institution, member, partner_member, partner_institution
):
    assert f"{EXPECTED} (für KL)" in _page(_client(partner_member).get(reverse("dashboard")))
    assert f"{EXPECTED} (für JA)" in _page(_client(member).get(reverse("dashboard")))

    _decide(partner_member, in_approval, partner_institution, Decision.APPROVED)
    assert EXPECTED not in _page(_client(partner_member).get(reverse("dashboard")))
    assert f"{EXPECTED} (für JA)" in _page(_client(member).get(reverse("dashboard")))


def test_dashboard_expects_nothing_once_all_approved(
    in_approval, institution, member, coordinator, partner_member, partner_institution
):
    _decide(member, in_approval, institution, Decision.APPROVED)
    _decide(partner_member, in_approval, partner_institution, Decision.APPROVED)
    for user in (member, coordinator, partner_member):
        assert EXPECTED not in _page(_client(user).get(reverse("dashboard")))


def test_dashboard_expects_no_approval_of_users_outside_the_board(in_approval, partner_institution):
    nurse = person(partner_institution, first_name="Nina")
    assert EXPECTED not in _page(_client(nurse).get(reverse("dashboard")))


def test_dashboard_expects_no_approval_of_a_representative_who_left(in_approval, partner_member):
    Membership.objects.filter(user=partner_member).delete()
    assert EXPECTED not in _page(_client(partner_member).get(reverse("dashboard")))


def test_dashboard_expects_no_approval_after_a_return(in_approval, member, partner_institution, partner_member):
    service.decide(partner_member, in_approval, partner_institution.pk, Decision.RETURNED, COMMENT)
    assert EXPECTED not in _page(_client(member).get(reverse("dashboard")))


# --- approving means seeing: the text, the draft PDF, the open points ------------------------------


def test_approval_page_shows_the_text_as_it_will_be_signed_and_links_the_draft_pdf(in_approval, partner_member):
    page = _page(_client(partner_member).get(reverse("agreement_approval", args=[in_approval.pk])))
    assert "Der Text, wie er unterschrieben wird" in page
    assert reverse("contract_preview", args=[in_approval.pk]) in page
    headings = ("§ 1 Präambel und Partner", "§ 2 Zielgruppen", "§ 4 Basiskriterien", "§ 10 Laufzeit und Überprüfung")
    for heading in headings:
        assert heading in page, heading
    assert "Schwangere mit Suchtproblematik" in page
    for criterion in in_approval.criteria.values_list("text", flat=True):
        assert criterion in page
    # The text comes before the decision, so one reads before one decides.
    assert page.index("Schwangere mit Suchtproblematik") < page.index("Ihre Entscheidung")


def test_once_the_text_is_released_the_approval_page_links_the_stored_contract(in_approval, coordinator):
    Agreement.objects.filter(pk=in_approval.pk).update(status=Status.ZUR_UNTERZEICHNUNG)
    page = _page(_client(coordinator).get(reverse("agreement_approval", args=[in_approval.pk])))
    assert reverse("contract_download", args=[in_approval.pk]) in page
    assert reverse("contract_preview", args=[in_approval.pk]) not in page


def test_approval_of_a_later_revision_shows_what_changed_since_the_one_before(in_approval, coordinator):
    Agreement.objects.filter(pk=in_approval.pk).update(status=Status.IN_KRAFT)
    amendment = copy_revision(_fresh(in_approval), coordinator)
    TargetGroup.objects.filter(agreement=amendment).update(name="Werdende Eltern mit Suchtproblematik")
    page = _page(_client(coordinator).get(reverse("agreement_approval", args=[amendment.pk])))
    assert f"Was sich gegenüber der {in_approval.revision_label} ändert" in page
    assert "Schwangere mit Suchtproblematik</del>" in page
    assert "Werdende Eltern mit Suchtproblematik</ins>" in page
    # Unchanged sections are only counted, not repeated.
    assert "Abschnitte sind unverändert." in page
    assert in_approval.criteria.first().text not in page
    assert reverse("agreement_compare", args=[amendment.pk]) in page


def test_approval_page_lists_open_points_before_the_decision(in_approval, partner_member, member):
    SectionComment.objects.create(agreement=in_approval, section="datenschutz", author=member, text="Wer löscht wann?")
    page = _page(_client(partner_member).get(reverse("agreement_approval", args=[in_approval.pk])))
    assert "Offene Punkte" in page
    assert "Wer löscht wann?" in page
    assert page.index("Wer löscht wann?") < page.index("Ihre Entscheidung")
