"""Pinned query counts of the walk-through's pages: the same for 2 partners and for 6 partners with 3 people each."""

from __future__ import annotations

import pytest
from django.urls import reverse

from agreements.models import Agreement, AnswerStatus, Decision, Reflection, Subgroup, SubgroupAnswer
from agreements.services import agreement as agreement_service
from agreements.services import lifecycle
from agreements.services import structure as service
from kooperation.network.models import Role
from tests.factories import ArbeitsfeldFactory, InstitutionFactory
from tests.structure_data import fill_sections, person, start_work, version

pytestmark = pytest.mark.django_db

# (further partners, people per partner): 2 partners with one person each, or 6 partners with 3 each.
SIZES = {"small": (0, 1), "large": (4, 3)}

# Pages while the subgroups work (In Erarbeitung), seen by a member of the coordinating institution.
WORKING_PAGES = {
    "agreement_guide": 16,
    "structure_prep": 16,
    "structure_board": 17,  # +1: invitations asked for or sent to partners (who is missing)
    # The Leitfragen (listed and to tick) in one query; the question form offers the subgroups already loaded.
    "structure_subgroups": 17,
    "subgroup_work": 11,
    "agreement_answers": 17,
    # The start page of a Koordination also shows the coordination overview (one query for its four lists,
    # the overdue count with the user's own task figures) and the signatures expected.
    "dashboard": 14,
}
# Pages during the approval round, seen by a board representative who has not decided yet.
APPROVAL_PAGES = {
    "agreement_approval": 19,  # +1: the open comments of the text; the full text to approve (its rows in one query)
    "agreement_guide": 18,
    "dashboard": 14,
}


def _build(agreement, coordinator, institution, partner_institution, size: str):
    """Partners in shared and distinct fields, everyone staffed; half of each subgroup's answers handed over."""
    further, people = SIZES[size]
    fields = [
        partner_institution.arbeitsfeld,
        ArbeitsfeldFactory(name="Schule"),
        ArbeitsfeldFactory(name="Drogenhilfe"),
    ]
    institutions = [institution, partner_institution]
    institutions += [InstitutionFactory(arbeitsfeld=fields[n % 3]) for n in range(further)]
    for number, partner in enumerate(institutions):
        # The coordinating institution already has its Koordination.
        for _n in range(people - (1 if partner == institution else 0)):
            person(partner, role=Role.MITGLIED if number else Role.FACHKRAFT)
    agreement_service.set_partners(agreement, institutions, version(agreement))
    working = start_work(agreement, coordinator)
    for subgroup in Subgroup.objects.filter(agreement=working):
        for answer in SubgroupAnswer.objects.filter(subgroup=subgroup)[:5]:
            answer.text, answer.status = "Übergeben", AnswerStatus.SUBMITTED
            answer.save()
    Reflection.objects.filter(partner__agreement=working, partner__institution=partner_institution).update(
        text="Antwort", status=AnswerStatus.SUBMITTED
    )
    return working


def _url(name: str, agreement, institution) -> str:
    if name == "dashboard":
        return reverse(name)
    if name == "subgroup_work":
        return reverse(name, args=[Subgroup.objects.get(agreement=agreement, institution=institution).pk])
    return reverse(name, args=[agreement.pk])


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(("name", "expected"), WORKING_PAGES.items())
def test_working_page_query_count_does_not_grow(
    name,
    expected,
    size,
    client_for,
    agreement,
    coordinator,
    institution,
    partner_institution,
    django_assert_num_queries,
):
    working = _build(agreement, coordinator, institution, partner_institution, size)
    client = client_for(coordinator)
    url = _url(name, working, institution)
    with django_assert_num_queries(expected):
        response = client.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(("name", "expected"), APPROVAL_PAGES.items())
def test_approval_page_query_count_does_not_grow(
    name,
    expected,
    size,
    client_for,
    agreement,
    coordinator,
    institution,
    partner_institution,
    django_assert_num_queries,
):
    working = _build(agreement, coordinator, institution, partner_institution, size)
    fill_sections(working)
    in_approval = lifecycle.perform(coordinator, Agreement.objects.get(pk=working.pk), "start_approval")
    representative = in_approval.board_members.filter(institution=partner_institution).first().user
    service.decide(representative, in_approval, partner_institution.pk, Decision.APPROVED, "")
    client = client_for(coordinator)
    url = _url(name, in_approval, institution)
    with django_assert_num_queries(expected):
        response = client.get(url)
    assert response.status_code == 200
    if name == "agreement_approval":
        assert response.context["form"] is not None
    if name == "dashboard":
        assert "Ihre Zustimmung wird erwartet" in response.content.decode()
