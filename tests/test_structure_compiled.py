"""The working structure's compiled queries return what their ORM form returns: rows, order, related objects."""

from __future__ import annotations

import pytest
from django.db.models import Prefetch

from agreements.models import (
    Agreement,
    Approval,
    ApprovalRound,
    BoardMember,
    Decision,
    PrepGroupSeat,
    Reflection,
    Status,
    SubgroupAnswer,
)
from agreements.queries import structure as queries
from agreements.queries.structure import Structure
from agreements.services import lifecycle
from agreements.services import structure as service
from kooperation.network.models import Role
from tests.factories import InstitutionFactory
from tests.structure_data import fill_sections, person, start_work, submit_everything

pytestmark = pytest.mark.django_db


def _fields(instance) -> dict:
    return {name: value for name, value in vars(instance).items() if not name.startswith("_")}


def _same(compiled: list, orm: list, related: tuple[str, ...] = ()) -> None:
    assert [type(row) for row in compiled] == [type(row) for row in orm]
    assert [_fields(row) for row in compiled] == [_fields(row) for row in orm]
    for name in related:
        assert [_fields(getattr(row, name)) for row in compiled] == [_fields(getattr(row, name)) for row in orm]
        # Read from the select_related cache, as the ORM form's rows are: no further query.
        assert all(
            row._state.fields_cache.keys() == orig._state.fields_cache.keys()
            for row, orig in zip(compiled, orm, strict=True)
        )


@pytest.fixture
def staffed(agreement, coordinator, institution, partner_institution):
    third = InstitutionFactory(name="Dritte Institution")
    agreement.partners.create(institution=third, position=2)
    for place in (institution, partner_institution, third):
        person(place)
        person(place, Role.LEITUNG)
    agreement = start_work(Agreement.objects.get(pk=agreement.pk), coordinator)
    submit_everything(agreement)
    return agreement


@pytest.fixture
def agreement_factory_other(coordinator, institution, partner_institution):
    """A second agreement (nothing staffed): the compiled SQL runs again with another id and returns nothing."""
    from tests.conftest import make_agreement

    return make_agreement(institution, partner_institution, coordinator)


@pytest.mark.parametrize(
    ("query", "build", "related"),
    [
        (
            queries.PREP_SEATS,
            lambda a: PrepGroupSeat.objects.filter(agreement=a).select_related("user", "arbeitsfeld"),
            ("user", "arbeitsfeld"),
        ),
        (
            queries.BOARD,
            lambda a: BoardMember.objects.filter(agreement=a).select_related("user", "institution"),
            ("user", "institution"),
        ),
        (queries.ANSWERS, lambda a: SubgroupAnswer.objects.filter(subgroup__agreement=a), ()),
        (queries.REFLECTIONS, lambda a: Reflection.objects.filter(partner__agreement=a), ()),
    ],
    ids=["prep_seats", "board", "answers", "reflections"],
)
def test_the_compiled_query_returns_the_orm_rows(staffed, agreement_factory_other, query, build, related):
    for target in (staffed, agreement_factory_other):
        orm = list(build(target))
        compiled = query.fetch("default", target.pk)
        _same(compiled, orm, related)
    assert list(build(staffed)), "the staffed agreement has rows to compare"


def test_the_structure_reads_its_parts_through_the_compiled_queries(staffed, django_assert_num_queries):
    structure = Structure(Agreement.objects.get(pk=staffed.pk))
    with django_assert_num_queries(4):
        parts = (structure.prep_seats, structure.board, structure.answers, structure.reflections)
    assert all(parts)


def _decide(agreement, institution, decision):
    representative = agreement.board_members.filter(institution=institution).first().user
    comment = "" if decision == Decision.APPROVED else "Bitte den Datenschutz genauer fassen."
    service.decide(representative, agreement, institution.pk, decision, comment)


def test_the_rounds_carry_the_approvals_the_prefetch_gives(
    staffed, coordinator, institution, partner_institution, django_assert_num_queries
):
    fill_sections(staffed)
    first = lifecycle.perform(coordinator, Agreement.objects.get(pk=staffed.pk), "start_approval")
    _decide(first, institution, Decision.APPROVED)
    _decide(first, partner_institution, Decision.RETURNED)
    second = Agreement.objects.get(pk=staffed.pk)
    if second.status != Status.IN_ABSTIMMUNG:
        second = lifecycle.perform(coordinator, second, "start_approval")
    _decide(second, partner_institution, Decision.APPROVED)
    _decide(second, institution, Decision.APPROVED)
    orm = list(
        ApprovalRound.objects.filter(agreement=staffed).prefetch_related(
            Prefetch("approvals", queryset=Approval.objects.select_related("institution", "decided_by"))
        )
    )
    structure = Structure(Agreement.objects.get(pk=staffed.pk))
    with django_assert_num_queries(2):
        rounds = structure.rounds
    assert len(rounds) == 2, "a returned text starts a second round"
    _same(rounds, orm)
    with django_assert_num_queries(0):
        for compiled_round, orm_round in zip(rounds, orm, strict=True):
            compiled_approvals, orm_approvals = list(compiled_round.approvals.all()), list(orm_round.approvals.all())
            assert compiled_approvals, "each round has decisions"
            _same(compiled_approvals, orm_approvals, ("institution", "decided_by", "round"))
            assert all(approval.round is compiled_round for approval in compiled_approvals)


def test_without_rounds_the_approvals_are_not_asked_for(staffed, django_assert_num_queries):
    structure = Structure(Agreement.objects.get(pk=staffed.pk))
    with django_assert_num_queries(1):
        assert structure.rounds == []


def test_the_memberships_are_the_orm_rows_for_each_number_of_institutions(
    staffed, institution, partner_institution, django_assert_num_queries
):
    inactive = person(partner_institution)
    inactive.is_active = False
    inactive.save()
    ids = [p.institution_id for p in Structure(Agreement.objects.get(pk=staffed.pk)).partners]
    for wanted in ([institution.pk], ids, [*ids, ids[0]], list(reversed(ids)), [0]):
        orm = list(queries._memberships_query(wanted))
        with django_assert_num_queries(1):
            compiled = queries.fetch_memberships(wanted)
        _same(compiled, orm, ("user",))
    assert len(queries.fetch_memberships(ids)) > len(ids), "several people per institution"
    assert inactive.pk not in {m.user_id for m in queries.fetch_memberships(ids)}
    with django_assert_num_queries(0):
        assert queries.fetch_memberships([]) == []
