"""Security headers: Content-Security-Policy on every page type, no-store on case data, safe `next=` redirects."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def _csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def _assert_strict_csp(response) -> None:
    assert "Content-Security-Policy-Report-Only" not in response
    csp = _csp(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["img-src"] == ["'self'", "data:"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["base-uri"] == ["'self'"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]


def _assert_no_inline_code(html: str) -> None:
    assert not re.search(r"\sstyle=", html), "inline style attribute"
    assert "<style" not in html
    assert not re.search(r"<script(?![^>]*\ssrc=)", html), "inline <script> without src"
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"
    assert "htmx-config" in html
    assert '"includeIndicatorStyles":false' in html


def _pages(agreement, conference, institution):
    return {
        "start page": reverse("dashboard"),
        "network list": reverse("institution_list"),
        "institution": reverse("institution_detail", args=[institution.pk]),
        "agreement detail": reverse("agreement_detail", args=[agreement.pk]),
        "section edit": reverse("agreement_section", args=[agreement.pk, "datenschutz"]),
        "network picture": reverse("network_picture"),
        "case list": reverse("case_list"),
        "case detail": reverse("case_detail", args=[conference.case_id]),
        "conference protocol": reverse("conference_protocol", args=[conference.pk]),
        "my tasks": reverse("my_tasks"),
    }


def test_every_page_type_has_the_strict_csp_and_no_inline_code(client_for, coordinator, agreement, task, institution):
    client = client_for(coordinator)
    for name, url in _pages(agreement, task.conference, institution).items():
        response = client.get(url)
        assert response.status_code == 200, name
        _assert_strict_csp(response)
        _assert_no_inline_code(response.content.decode())


def test_the_login_page_and_error_pages_have_the_csp(client, client_for, coordinator):
    login = client.get(reverse("login"))
    _assert_strict_csp(login)
    _assert_no_inline_code(login.content.decode())
    missing = client_for(coordinator).get("/gibt-es-nicht/")
    assert missing.status_code == 404
    _assert_strict_csp(missing)


def test_downloads_have_the_csp(client_for, coordinator, final_conference):
    response = client_for(coordinator).get(reverse("conference_pdf", args=[final_conference.pk]))
    assert response.status_code == 200
    _assert_strict_csp(response)


def test_report_only_mode_can_be_switched_on(settings, client):
    policy = settings.CONTENT_SECURITY_POLICY
    settings.CONTENT_SECURITY_POLICY = None
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = policy
    response = client.get(reverse("login"))
    assert "Content-Security-Policy" not in response
    assert "default-src 'self'" in response["Content-Security-Policy-Report-Only"]


def test_served_templates_have_no_inline_styles_or_scripts():
    """Only templates/print/ (rendered into PDFs by WeasyPrint, never served as HTML) may carry inline CSS."""
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        if "print" in path.relative_to(TEMPLATES).parts[:1]:
            continue
        text = path.read_text()
        if re.search(r"\sstyle=|<style|<script(?![^>]*\ssrc=)|\son[a-z]+=\"", text):
            offenders.append(str(path.relative_to(TEMPLATES)))
    assert offenders == []


def test_no_served_template_includes_a_print_template():
    for path in TEMPLATES.rglob("*.html"):
        if path.relative_to(TEMPLATES).parts[0] == "print":
            continue
        assert not re.search(r"""{%\s*(include|extends)\s+["']print/""", path.read_text()), path


# --- Cache-Control: no-store on case data ------------------------------------------------------------


def _case_urls(help_case, consent, conference, task, meeting):
    return {
        "case list": reverse("case_list"),
        "case detail": reverse("case_detail", args=[help_case.pk]),
        "case edit": reverse("case_edit", args=[help_case.pk]),
        "case institutions": reverse("case_institutions", args=[help_case.pk]),
        "consent form": reverse("consent_create", args=[help_case.pk]),
        "consent revoke": reverse("consent_revoke", args=[consent.pk]),
        "consent document": reverse("consent_document", args=[consent.pk]),
        "access log": reverse("case_access_log", args=[help_case.pk]),
        "conference detail": reverse("conference_detail", args=[conference.pk]),
        "conference plan": reverse("conference_plan", args=[conference.pk]),
        "conference protocol": reverse("conference_protocol", args=[conference.pk]),
        "conference ics": reverse("conference_ics", args=[conference.pk]),
        "my tasks": reverse("my_tasks"),
        "task status": reverse("task_status", args=[task.pk]),
        "meeting list": reverse("meeting_list"),
        "meeting detail": reverse("meeting_detail", args=[meeting.pk]),
        "start page (task summary)": reverse("dashboard"),
    }


def _assert_no_store(response, name) -> None:
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-store", "private", "no-cache", "must-revalidate", "max-age=0"} <= cache_control, name
    assert "Expires" in response, name


def test_case_data_is_never_stored_by_browsers_or_proxies(client_for, coordinator, help_case, consent, task, meeting):
    client = client_for(coordinator)
    for name, url in _case_urls(help_case, consent, task.conference, task, meeting).items():
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        _assert_no_store(response, name)


def test_the_protocol_pdf_and_the_meeting_protocol_are_never_stored(
    client_for, coordinator, final_conference, final_meeting
):
    client = client_for(coordinator)
    for url in (reverse("conference_pdf", args=[final_conference.pk]), reverse("meeting_pdf", args=[final_meeting.pk])):
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_no_store(response, url)


def test_pages_without_case_data_keep_the_default_caching(client_for, coordinator, agreement):
    response = client_for(coordinator).get(reverse("agreement_detail", args=[agreement.pk]))
    assert "no-store" not in response.get("Cache-Control", "")


# --- next= stays on this site ----------------------------------------------------------------------------

OFFSITE = [
    "//evil.example",
    "/%2F%2Fevil.example",
    "/%2f%2fevil.example/",
    "/%252F%252Fevil.example",
    "/\\evil.example",
    "/%5Cevil.example",
    "\\\\evil.example",
    "https://evil.example",
    "http:/evil.example",
    "/\t/evil.example",
    "///evil.example",
    "javascript:alert(1)",
]


def _is_offsite(location: str) -> bool:
    return not location.startswith("/") or location.startswith("//") or "\\" in location or "evil" in location


@pytest.mark.parametrize("target", OFFSITE)
def test_login_never_redirects_off_site(client, member, target):
    page = client.get(reverse("login"), {"next": target})
    assert target not in page.content.decode()
    response = client.post(
        f"{reverse('login')}?next={target}", {"username": member.email, "password": PASSWORD, "next": target}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")


@pytest.mark.parametrize("target", OFFSITE)
def test_language_switch_never_redirects_off_site(client, target):
    response = client.post(reverse("set_language"), {"language": "en", "next": target})
    assert response.status_code == 302
    assert not _is_offsite(response["Location"])
    assert response["Location"] == "/"


@pytest.mark.parametrize("target", OFFSITE)
def test_language_switch_ignores_an_off_site_referer(client, target):
    response = client.post(reverse("set_language"), {"language": "en"}, headers={"referer": target})
    assert response["Location"] == "/"


def test_local_targets_still_work(client, member, institution):
    target = reverse("institution_detail", args=[institution.pk]) + "?tab=kontakte"
    response = client.post(reverse("set_language"), {"language": "en", "next": target})
    assert response["Location"] == target
    response = client.post(
        f"{reverse('login')}?next={target}", {"username": member.email, "password": PASSWORD, "next": target}
    )
    assert response["Location"] == target


def test_logout_never_redirects_off_site(client_for, member):
    response = client_for(member).post(reverse("logout"), {"next": "/%2F%2Fevil.example"})
    assert response["Location"] == reverse("login")
