"""Subgroup work: drafts stay inside the institution, answers handed over reach the board, internal clarification."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from agreements.models import Agreement, AnswerStatus, GuidingQuestion, Reflection, Subgroup, SubgroupAnswer
from agreements.queries.structure import Structure
from agreements.services import structure as service
from kooperation.network.models import Membership, Role
from tests.factories import MembershipFactory, formset_data
from tests.structure_data import person, staff, start_work

pytestmark = pytest.mark.django_db

DRAFT_TEXT = "Entwurf: Wir sehen Mütter mit Suchtproblematik zuerst als Mütter."
SUBMITTED_TEXT = "Übergeben: Haltung ohne Vorverurteilung."


@pytest.fixture
def partner_member(partner_institution):
    """Mitglied of `partner_institution`, the agreement's second partner."""
    return person(partner_institution, first_name="Paula")


@pytest.fixture
def working(agreement, coordinator, member, partner_member):
    """The agreement In Erarbeitung: subgroup JA (coordinator, member) and KL (partner_member), all questions."""
    return start_work(agreement, coordinator)


def _group(agreement, institution) -> Subgroup:
    return Subgroup.objects.get(agreement=agreement, institution=institution)


def _page(response) -> str:
    return response.content.decode()


def _answer_data(client, subgroup, texts: dict[int, str], submit: bool = False) -> dict:
    """The POST of the subgroup page with `texts` typed into the draft at those positions."""
    formset = client.get(reverse("subgroup_work", args=[subgroup.pk])).context["formset"]
    data = formset_data(formset)
    for index, text in texts.items():
        data[f"antworten-{index}-text"] = text
    if submit:
        data["uebergeben"] = "1"
    return data


def _post_answers(client, subgroup, texts: dict[int, str], submit: bool = False):
    data = _answer_data(client, subgroup, texts, submit)
    return client.post(reverse("subgroup_work", args=[subgroup.pk]), data, follow=True)


def _reflection_data(client, agreement, partner, texts: list[str], submit: bool = False) -> dict:
    url = reverse("partner_reflection", args=[agreement.pk, partner.pk])
    data = formset_data(client.get(url).context["formset"])
    for index, text in enumerate(texts):
        data[f"fragen-{index}-text"] = text
    if submit:
        data["uebergeben"] = "1"
    return data


# --- drafts stay inside the institution -------------------------------------------------------


def test_member_of_another_partner_gets_404_on_the_subgroup_page(client_for, working, institution, partner_member):
    subgroup = _group(working, institution)
    client = client_for(partner_member)
    assert client.get(reverse("subgroup_work", args=[subgroup.pk])).status_code == 404
    assert client.post(reverse("subgroup_work", args=[subgroup.pk])).status_code == 404
    # The staffing page shows no drafts; it refuses a Mitglied with a reason instead.
    assert client.get(reverse("subgroup_edit", args=[subgroup.pk])).status_code == 403
    answer = SubgroupAnswer.objects.filter(subgroup=subgroup).first()
    assert client.post(reverse("answer_reopen", args=[answer.pk])).status_code == 404


def test_member_of_another_partner_reads_its_own_subgroup(client_for, working, partner_institution, partner_member):
    subgroup = _group(working, partner_institution)
    response = client_for(partner_member).get(reverse("subgroup_work", args=[subgroup.pk]))
    assert response.status_code == 200
    assert len(response.context["formset"].forms) == 11


def test_draft_is_seen_by_the_own_institution_but_not_by_the_board(
    client_for, working, institution, coordinator, member, partner_member
):
    subgroup = _group(working, institution)
    response = _post_answers(client_for(member), subgroup, {0: DRAFT_TEXT})
    assert "Die Entwürfe wurden gespeichert." in _page(response)
    answer = SubgroupAnswer.objects.get(subgroup=subgroup, text=DRAFT_TEXT)
    assert answer.status == AnswerStatus.DRAFT

    assert DRAFT_TEXT in _page(client_for(coordinator).get(reverse("subgroup_work", args=[subgroup.pk])))
    consolidation = _page(client_for(partner_member).get(reverse("agreement_answers", args=[working.pk])))
    assert DRAFT_TEXT not in consolidation
    assert "noch nicht übergeben" in consolidation


def test_submitted_answers_reach_the_board(client_for, working, institution, member, partner_member):
    subgroup = _group(working, institution)
    response = _post_answers(client_for(member), subgroup, {0: SUBMITTED_TEXT, 1: "Klare Absprachen."}, submit=True)
    assert "2 Antworten wurden an das Gremium übergeben." in _page(response)
    submitted = SubgroupAnswer.objects.filter(subgroup=subgroup, status=AnswerStatus.SUBMITTED)
    assert submitted.count() == 2
    assert all(a.submitted_at and a.updated_by_id == member.pk for a in submitted)
    assert SubgroupAnswer.objects.filter(subgroup=subgroup, status=AnswerStatus.DRAFT).count() == 9

    consolidation = _page(client_for(partner_member).get(reverse("agreement_answers", args=[working.pk])))
    assert SUBMITTED_TEXT in consolidation
    assert "Klare Absprachen." in consolidation


def test_one_submitted_answer_is_named_in_the_singular(client_for, working, institution, member):
    response = _post_answers(client_for(member), _group(working, institution), {0: SUBMITTED_TEXT}, submit=True)
    assert "1 Antwort wurde an das Gremium übergeben." in _page(response)


def test_submitting_without_any_answer_says_nothing_was_handed_over(client_for, working, institution, member):
    response = _post_answers(client_for(member), _group(working, institution), {}, submit=True)
    assert "Es wurde nichts übergeben: an das Gremium gehen nur beantwortete Fragen." in _page(response)
    assert not SubgroupAnswer.objects.filter(subgroup__agreement=working, status=AnswerStatus.SUBMITTED).exists()


def test_submitted_answer_leaves_the_draft_form(client_for, working, institution, member):
    subgroup = _group(working, institution)
    client = client_for(member)
    _post_answers(client, subgroup, {0: SUBMITTED_TEXT}, submit=True)
    response = client.get(reverse("subgroup_work", args=[subgroup.pk]))
    assert len(response.context["formset"].forms) == 10
    assert [a.text for a in response.context["submitted"]] == [SUBMITTED_TEXT]
    assert "Zurückholen und überarbeiten" in _page(response)


def test_reopen_takes_a_submitted_answer_back_from_the_board(client_for, working, institution, member, partner_member):
    subgroup = _group(working, institution)
    client = client_for(member)
    _post_answers(client, subgroup, {0: SUBMITTED_TEXT}, submit=True)
    answer = SubgroupAnswer.objects.get(subgroup=subgroup, status=AnswerStatus.SUBMITTED)

    response = client.post(reverse("answer_reopen", args=[answer.pk]), follow=True)
    assert "Die Antwort ist wieder ein Entwurf." in _page(response)
    answer.refresh_from_db()
    assert answer.status == AnswerStatus.DRAFT
    assert answer.submitted_at is None
    assert answer.text == SUBMITTED_TEXT
    consolidation = _page(client_for(partner_member).get(reverse("agreement_answers", args=[working.pk])))
    assert SUBMITTED_TEXT not in consolidation


def test_reopen_is_post_only(client_for, working, institution, member):
    answer = SubgroupAnswer.objects.filter(subgroup=_group(working, institution)).first()
    assert client_for(member).get(reverse("answer_reopen", args=[answer.pk])).status_code == 405


def test_insider_who_is_no_member_reads_but_cannot_answer(client_for, working, institution, coordinator, member):
    subgroup = _group(working, institution)
    service.update_subgroup(
        subgroup,
        name=subgroup.name,
        members=[member],
        questions=list(subgroup.questions.all()),
        expected_version=subgroup.version,
    )
    client = client_for(coordinator)
    response = client.get(reverse("subgroup_work", args=[subgroup.pk]))
    assert "Die Antworten schreiben die Mitglieder der Untergruppe." in _page(response)
    assert "Entwürfe speichern" not in _page(response)
    refused = client.post(reverse("subgroup_work", args=[subgroup.pk]), formset_data(response.context["formset"]))
    assert refused.status_code == 403


def test_answers_wait_until_the_work_has_begun(client_for, agreement, institution, coordinator, member, partner_member):
    staff(agreement, coordinator)
    subgroup = _group(agreement, institution)
    client = client_for(member)
    response = client.get(reverse("subgroup_work", args=[subgroup.pk]))
    assert "Antworten werden erarbeitet, solange die Vereinbarung „In Erarbeitung“ ist (jetzt: Entwurf)." in _page(
        response
    )
    refused = client.post(reverse("subgroup_work", args=[subgroup.pk]), formset_data(response.context["formset"]))
    assert refused.status_code == 403


def test_member_who_moved_to_another_partner_loses_the_old_subgroups_drafts(
    client_for, working, institution, partner_institution, member
):
    """Leaving the institution ends access to its drafts, even for a former subgroup member."""
    subgroup = _group(working, institution)
    Membership.objects.filter(user=member, institution=institution).delete()
    MembershipFactory(user=member, institution=partner_institution, role=Role.MITGLIED)
    assert client_for(member).get(reverse("subgroup_work", args=[subgroup.pk])).status_code == 404


def test_stale_draft_shows_a_conflict_and_keeps_the_input(client_for, working, institution, coordinator, member):
    subgroup = _group(working, institution)
    stale = _answer_data(client_for(member), subgroup, {0: "Meine Fassung"})
    _post_answers(client_for(coordinator), subgroup, {0: "Fassung der Koordination"})
    response = client_for(member).post(reverse("subgroup_work", args=[subgroup.pk]), stale)
    assert response.status_code == 200
    assert "Diese Angaben wurden gespeichert, während Sie sie bearbeitet haben." in _page(response)
    assert SubgroupAnswer.objects.filter(subgroup=subgroup, text="Fassung der Koordination").exists()


# --- the board's view: answers side by side, and beside the section being written -----------


def test_consolidation_shows_every_subgroups_answer_to_a_question_side_by_side(
    client_for, working, institution, partner_institution, member, partner_member, coordinator
):
    _post_answers(client_for(member), _group(working, institution), {0: "Antwort des Jugendamts"}, submit=True)
    _post_answers(
        client_for(partner_member), _group(working, partner_institution), {0: "Antwort der Klinik"}, submit=True
    )
    response = client_for(coordinator).get(reverse("agreement_answers", args=[working.pk]))
    question, answers = response.context["rows"][0]
    assert question.text.startswith("Welche Haltung gegenüber drogenabhängigen Frauen")
    assert [(group.name, answer.text) for group, answer in answers] == [
        ("Untergruppe JA", "Antwort des Jugendamts"),
        ("Untergruppe KL", "Antwort der Klinik"),
    ]
    assert len(response.context["rows"]) == 11


def test_consolidation_links_each_user_to_their_own_work(
    client_for, working, institution, partner_institution, partner_member
):
    response = client_for(partner_member).get(reverse("agreement_answers", args=[working.pk]))
    assert [g.institution_id for g in response.context["my_subgroups"]] == [partner_institution.pk]
    assert [p.institution_id for p in response.context["my_partners"]] == [partner_institution.pk]
    assert reverse("subgroup_work", args=[_group(working, institution).pk]) not in _page(response)


def test_section_form_shows_the_answers_handed_over_for_that_section(
    client_for, working, institution, partner_institution, coordinator
):
    privacy = GuidingQuestion.objects.get(agreement=working, text__startswith="Welche Datenschutz-")
    attitude = GuidingQuestion.objects.get(agreement=working, text__startswith="Welche Haltung")
    SubgroupAnswer.objects.filter(subgroup=_group(working, institution), question=privacy).update(
        text="Schweigepflichtentbindung immer schriftlich.", status=AnswerStatus.SUBMITTED
    )
    SubgroupAnswer.objects.filter(subgroup=_group(working, partner_institution), question=privacy).update(
        text="Klinik-Entwurf zum Datenschutz"
    )
    SubgroupAnswer.objects.filter(subgroup=_group(working, institution), question=attitude).update(
        text="Antwort zur Haltung", status=AnswerStatus.SUBMITTED
    )

    page = _page(client_for(coordinator).get(reverse("agreement_section", args=[working.pk, "datenschutz"])))
    assert "Antworten der Untergruppen zu diesem Abschnitt" in page
    assert privacy.text in page
    assert "Untergruppe JA:</span> Schweigepflichtentbindung immer schriftlich." in page
    assert "Klinik-Entwurf zum Datenschutz" not in page
    assert "Antwort zur Haltung" not in page

    target_groups = _page(client_for(coordinator).get(reverse("agreement_section", args=[working.pk, "zielgruppen"])))
    assert "Antwort zur Haltung" in target_groups
    empty = _page(client_for(coordinator).get(reverse("agreement_section", args=[working.pk, "laufzeit"])))
    assert "Zu diesem Abschnitt gibt es noch keine übergebenen Antworten." in empty


# --- internal clarification (the five questions of seed 001) ---------------------------------


def _partner(agreement, institution):
    return agreement.partners.get(institution=institution)


def test_every_partner_gets_the_five_questions_for_internal_clarification(agreement):
    for partner in agreement.partners.all():
        assert [r.question for r in Reflection.objects.filter(partner=partner)] == [
            "Warum wollen wir kooperieren?",
            "Was können wir einbringen?",
            "Wie können wir dies den Partnern gegenüber kommunizieren?",
            "Was wünschen wir uns von den Partnern?",
            "Was haben wir schon, was brauchen wir noch?",
        ]


def test_other_partner_gets_404_on_the_internal_clarification(client_for, working, institution, partner_member):
    url = reverse("partner_reflection", args=[working.pk, _partner(working, institution).pk])
    assert client_for(partner_member).get(url).status_code == 404


def test_internal_clarification_handed_over_only_when_every_question_is_answered(
    client_for, working, institution, member, partner_member
):
    partner = _partner(working, institution)
    client = client_for(member)
    data = _reflection_data(client, working, partner, ["Für die Kinder.", "Beratung.", "Im Gremium.", "Offenheit."])
    response = client.post(reverse("partner_reflection", args=[working.pk, partner.pk]), {**data, "uebergeben": "1"})
    assert response.status_code == 200
    assert (
        "Bitte beantworten Sie zuerst alle Fragen; offen ist noch: „Was haben wir schon, was brauchen wir noch?“"
        in _page(response)
    )
    assert "Für die Kinder." in _page(response)
    assert not Reflection.objects.filter(partner=partner, status=AnswerStatus.SUBMITTED).exists()
    assert not Reflection.objects.filter(partner=partner, text="Für die Kinder.").exists()


def test_internal_clarification_is_handed_over_and_seen_by_the_other_partners(
    client_for, working, institution, member, partner_member
):
    partner = _partner(working, institution)
    client = client_for(member)
    url = reverse("partner_reflection", args=[working.pk, partner.pk])
    texts = ["Für die Kinder.", "Beratung.", "Im Gremium.", "Offenheit.", "Eine Elterngruppe; wir brauchen Zeit."]

    saved = client.post(url, _reflection_data(client, working, partner, texts), follow=True)
    assert "Gespeichert." in _page(saved)
    board = Client()
    board.force_login(partner_member)
    assert "Eine Elterngruppe; wir brauchen Zeit." not in _page(
        board.get(reverse("agreement_answers", args=[working.pk]))
    )

    handed_over = client.post(url, _reflection_data(client, working, partner, texts, submit=True), follow=True)
    assert "Die interne Klärung wurde an das Gremium übergeben." in _page(handed_over)
    assert set(Reflection.objects.filter(partner=partner).values_list("status", flat=True)) == {AnswerStatus.SUBMITTED}
    assert "Eine Elterngruppe; wir brauchen Zeit." in _page(board.get(reverse("agreement_answers", args=[working.pk])))


def test_stale_internal_clarification_shows_a_conflict_and_keeps_the_input(
    client_for, working, institution, coordinator, member
):
    partner = _partner(working, institution)
    url = reverse("partner_reflection", args=[working.pk, partner.pk])
    stale = _reflection_data(client_for(member), working, partner, ["Meine Fassung"])
    client_for(coordinator).post(url, _reflection_data(client_for(coordinator), working, partner, ["Erste Fassung"]))
    response = client_for(member).post(url, stale)
    assert response.status_code == 200
    assert "Diese Angaben wurden gespeichert, während Sie sie bearbeitet haben." in _page(response)
    assert "Meine Fassung" in _page(response)
    assert Reflection.objects.filter(partner=partner, text="Erste Fassung").exists()
    assert not Reflection.objects.filter(partner=partner, text="Meine Fassung").exists()


def test_internal_clarification_missing_is_named_in_the_guide(working, institution, partner_institution):
    missing = Structure(Agreement.objects.get(pk=working.pk)).answers_missing()
    assert "„Jugendamt Teststadt“ hat die Fragen zur internen Klärung noch nicht übergeben." in missing
    assert "„Klinikum Teststadt“ hat die Fragen zur internen Klärung noch nicht übergeben." in missing


# --- the start page: what the structure expects of the user now ------------------------------


def test_dashboard_counts_the_open_questions_of_the_users_subgroup(client_for, working, institution, member):
    subgroup = _group(working, institution)
    service.update_subgroup(
        subgroup,
        name=subgroup.name,
        members=list(subgroup.members.all()),
        questions=list(subgroup.questions.all()[:2]),
        expected_version=subgroup.version,
    )
    client = client_for(member)
    page = _page(client.get(reverse("dashboard")))
    assert "Was jetzt von Ihnen erwartet wird" in page
    assert "2 Leitfragen offen in der Untergruppe JA (Kooperationsvereinbarung Teststadt)" in page
    assert "Interne Klärung von JA noch nicht übergeben (Kooperationsvereinbarung Teststadt)" in page

    _post_answers(client, subgroup, {0: SUBMITTED_TEXT}, submit=True)
    assert "1 Leitfrage offen in der Untergruppe JA" in _page(client.get(reverse("dashboard")))


def test_dashboard_expects_no_answers_before_the_work_begins(
    client_for, agreement, coordinator, member, partner_member
):
    staff(agreement, coordinator)
    assert "Leitfragen offen" not in _page(client_for(member).get(reverse("dashboard")))


def test_dashboard_expects_nothing_of_a_user_outside_the_subgroups(client_for, working, outsider):
    assert "Was jetzt von Ihnen erwartet wird" not in _page(client_for(outsider).get(reverse("dashboard")))
