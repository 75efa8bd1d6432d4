"""The working structure's compiled queries return what their ORM form returns: rows, order, related objects."""

from __future__ import annotations

import pytest

from agreements.models import Agreement, BoardMember, PrepGroupSeat, Reflection, SubgroupAnswer
from agreements.queries import structure as queries
from agreements.queries.structure import Structure
from kooperation.network.models import Role
from tests.factories import InstitutionFactory
from tests.structure_data import person, start_work, submit_everything

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
