"""Case.visible_to reuses the compiled SQL of its team rule per key (user, institutions, day): it must decide
as the ORM form does for every role, and a change in any input of the rule must reach it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from conferences.models import Case
from kooperation.network.models import Role
from tests.conference_fixtures import join_team, open_case, today
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _seen(user) -> set[int]:
    user._kooperation_memberships = None
    compiled_form = set(Case.objects.visible_to(user).values_list("pk", flat=True))
    assert compiled_form == set(Case.objects.visible_to_uncompiled(user).values_list("pk", flat=True))
    return compiled_form


@pytest.fixture
def case(agreement, coordinator, institution, partner_institution, member, partner_worker):
    case = open_case(coordinator, agreement, institution, [partner_institution])
    join_team(case, member)
    join_team(case, partner_worker, partner_institution)
    return case


def test_the_compiled_rule_decides_as_the_orm_for_each_role(
    case, coordinator, member, partner_worker, colleague, outsider, admin_user
):
    assert _seen(coordinator) == {case.pk}  # Koordination of the owning institution
    assert _seen(member) == {case.pk}  # team, owning institution
    assert _seen(partner_worker) == {case.pk}  # team, participant covered by a consent
    assert _seen(colleague) == set()  # same institution, not on the team
    assert _seen(outsider) == set()
    assert _seen(admin_user) == set()  # Administration has no way around need-to-know
    # Asked again (the SQL now comes from the cache), the same.
    assert _seen(member) == {case.pk}
    assert _seen(partner_worker) == {case.pk}


def test_a_second_user_of_the_same_institutions_does_not_get_the_first_ones_rule(case, member, institution):
    assert case.pk in _seen(member)
    other = MembershipFactory(institution=institution, role=Role.MITGLIED).user
    assert case.pk not in _seen(other)


def test_a_new_koordination_role_reaches_the_rule(case, colleague, institution):
    assert case.pk not in _seen(colleague)
    MembershipFactory(user=colleague, institution=institution, role=Role.KOORDINATION)
    assert case.pk in _seen(colleague)


def test_the_day_reaches_the_rule(case, partner_worker, monkeypatch):
    """A consent valid until today covers the partner today, not tomorrow (the day is part of the key)."""
    case.consents.update(valid_until=today())
    assert case.pk in _seen(partner_worker)
    tomorrow = today() + timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: tomorrow)
    assert case.pk not in _seen(partner_worker)


def test_leaving_an_institution_reaches_the_rule(case, partner_worker):
    assert case.pk in _seen(partner_worker)
    partner_worker.memberships.all().delete()
    assert case.pk not in _seen(partner_worker)


def test_a_revoked_consent_ends_the_partners_access(case, partner_worker):
    assert case.pk in _seen(partner_worker)
    case.consents.update(revoked_on=today())
    assert case.pk not in _seen(partner_worker)
