"""The access log page counts a case's entries with a scalar subquery (case_log_total), not a window over them."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from conferences.access import get_case_for
from conferences.queries.access_log import case_log, case_log_total
from tests.conference_fixtures import open_case

pytestmark = pytest.mark.django_db


def _total(case) -> int:
    return LogEntry.objects.annotate(total=case_log_total(case)).values_list("total", flat=True).first()


def test_the_total_is_the_number_of_the_cases_entries(agreement, coordinator, institution, partner_institution):
    case = open_case(coordinator, agreement, institution, [partner_institution])
    other = open_case(coordinator, agreement, institution, [partner_institution])
    for _ in range(3):
        get_case_for(coordinator, case.pk, read="Fallübersicht")
    get_case_for(coordinator, other.pk, read="Fallübersicht")
    assert _total(case) == case_log(case).count() >= 3
    assert _total(other) == case_log(other).count()
    assert _total(case) != _total(other)


def test_the_page_shows_the_number_of_pages(client_for, agreement, coordinator, institution, partner_institution):
    case = open_case(coordinator, agreement, institution, [partner_institution])
    for _ in range(60):
        get_case_for(coordinator, case.pk, read="Fallübersicht")
    response = client_for(coordinator).get(reverse("case_access_log", args=[case.pk]))
    page = response.context["page_obj"]
    assert page.paginator.count == case_log(case).count() > 60
    assert page.paginator.num_pages == 2
