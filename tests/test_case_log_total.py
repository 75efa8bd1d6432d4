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


def test_compiled_log_pages_show_each_cases_own_entries(client_for, agreement, coordinator, institution):
    """The page's SQL is compiled per case: a second case, and new entries, show up on the same worker."""
    first = open_case(coordinator, agreement, institution)
    second = open_case(coordinator, agreement, institution)
    client = client_for(coordinator)
    for case in (first, second, first):
        response = client.get(reverse("case_access_log", args=[case.pk]))
        page = response.context["page_obj"]
        # The view's own read is logged before the page is read: the log shows it.
        assert page.paginator.count == case_log(case).count()
        assert {line.case for line in response.context["entries"]} <= {"", case.code}
        expected = list(case_log(case).order_by("-timestamp", "-pk")[:50])
        assert [line.timestamp for line in response.context["entries"]] == [entry.timestamp for entry in expected]


@pytest.mark.parametrize("zone", ["Europe/Berlin", "UTC", "America/New_York"])
def test_log_times_read_as_the_date_filter_writes_them(zone, agreement, coordinator, institution):
    from django.template import Context, Template
    from django.utils import timezone

    from conferences.queries.access_log import log_csv, log_lines

    case = open_case(coordinator, agreement, institution)
    get_case_for(coordinator, case.pk, read="Fallübersicht")
    with timezone.override(zone):
        lines = log_lines(case_log(case).order_by("timestamp", "pk"))
        assert lines
        as_template = Template('{{ t|date:"d.m.Y H:i:s" }}')
        for line in lines:
            assert line.when == as_template.render(Context({"t": line.timestamp}))
        assert lines[0].when in log_csv(lines)
