"""The network picture reads its count, agreements and partners with SQL compiled once per key (fetch_keyed):
for every role and filter it must give what the ORM form gives, and every input of the key must change the SQL."""

from __future__ import annotations

import pytest
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Prefetch

from agreements.models import Agreement, Partner
from agreements.queries import network_picture
from kooperation.core import compiled
from kooperation.network.models import Role
from tests.factories import MembershipFactory
from tests.test_coordination import network, partner_coordinator  # noqa: F401 - fixtures
from tests.test_start_compiled import people  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def _orm(user, arbeitsfeld=None, include_ended=False, institution=None) -> dict:
    """The picture as the ORM builds it (count(), prefetch_related)."""
    ids = network_picture._selection(user, include_ended, arbeitsfeld, institution)
    count = Partner.objects.filter(agreement_id__in=ids).values("institution_id").distinct().count()
    agreements = list(
        Agreement.objects.filter(pk__in=ids)
        .prefetch_related(Prefetch("partners", queryset=Partner.objects.select_related("institution__arbeitsfeld")))
        .order_by("title", "pk")
    )
    return {"institution_count": count, **network_picture._picture(agreements)}


def _snapshot(picture: dict) -> dict:
    """What the template reads, as plain values (each partner's institution, Arbeitsfeld and agreement)."""
    return {
        "large": picture.get("large", False),
        "institution_count": picture["institution_count"],
        "agreements": [
            (
                agreement.pk,
                agreement.title,
                agreement.status,
                [
                    (
                        partner.pk,
                        partner.position,
                        partner.institution.pk,
                        partner.institution.name,
                        partner.institution.arbeitsfeld.name,
                        partner.agreement is agreement,
                    )
                    for partner in agreement.partners.all()
                ],
            )
            for agreement in picture["agreements"]
        ],
        "nodes": [(n.institution.pk, n.x, n.y, n.anchor, n.agreements) for n in picture["nodes"]],
        "edges": [(e["a"].institution.pk, e["b"].institution.pk, e["count"]) for e in picture["edges"]],
        "matrix": [(row.pk, cells) for row, cells in picture["matrix"]],
    }


def test_the_compiled_picture_gives_what_the_orm_gives_for_each_role_and_filter(
    network,  # noqa: F811
    people,  # noqa: F811
    institution,
    partner_institution,
):
    filters = [
        {},
        {"include_ended": True},
        {"arbeitsfeld": partner_institution.arbeitsfeld},
        {"institution": partner_institution},
        {"institution": institution, "include_ended": True},
    ]
    shown = 0
    for user in people:
        for given in filters:
            user._kooperation_memberships = None
            reference = _snapshot(_orm(user, **given))
            # Twice: the first call compiles, the second runs the kept SQL.
            assert _snapshot(network_picture.build(user, **given)) == reference, (user, given)
            assert _snapshot(network_picture.build(user, **given)) == reference, (user, given)
            shown += len(reference["agreements"])
    assert shown  # the comparison means something: the network fills the picture


def _sql(user, include_ended=False, arbeitsfeld=None, institution=None) -> tuple:
    ids = network_picture._selection(user, include_ended, arbeitsfeld, institution)
    sql, params = Agreement.objects.filter(pk__in=ids).query.get_compiler(DEFAULT_DB_ALIAS).as_sql()
    return sql, tuple(params)


def test_each_key_input_reaches_the_sql(coordinator, institution, partner_institution, other_institution):
    coordinator._kooperation_memberships = None
    forms = {
        network_picture._key(coordinator, False, None, None): _sql(coordinator),
        network_picture._key(coordinator, True, None, None): _sql(coordinator, include_ended=True),
        network_picture._key(coordinator, False, institution.arbeitsfeld, None): _sql(
            coordinator, arbeitsfeld=institution.arbeitsfeld
        ),
        network_picture._key(coordinator, False, None, partner_institution): _sql(
            coordinator, institution=partner_institution
        ),
    }
    coordinator.is_administration = True
    forms[network_picture._key(coordinator, False, None, None)] = _sql(coordinator)
    coordinator.is_administration = False
    MembershipFactory(user=coordinator, institution=other_institution, role=Role.MITGLIED)
    coordinator._kooperation_memberships = None
    forms[network_picture._key(coordinator, False, None, None)] = _sql(coordinator)
    # Six keys, six different SQL texts or parameters.
    assert len(forms) == 6
    assert len(set(forms.values())) == 6


def test_the_cache_is_no_input(network, coordinator):  # noqa: F811
    compiled.clear_keyed()
    fresh = _snapshot(network_picture.build(coordinator))
    assert _snapshot(network_picture.build(coordinator)) == fresh
