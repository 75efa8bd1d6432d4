"""Holding up under faults and abuse: bounded requests, bounded fields, clean edges, useful logs."""

from __future__ import annotations

import json
import logging
import time
from unittest import mock
from urllib.parse import urlencode

import psycopg
import pytest
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, OperationalError
from django.template.base import Template
from django.urls import reverse

from agreements.queries.sections import SECTIONS
from kooperation.core import faults
from kooperation.core.limits import MAX_ROWS
from tests.agreement_data import section_data, section_url
from tests.forms_html import main_form
from tests.test_form_fuzz import EXTRA_CASES
from tests.test_permission_matrix import MATRIX, ROLES

pytestmark = pytest.mark.django_db

OUTAGE_TEXT = "Die Datenbank ist gerade nicht erreichbar."


def single(data: dict, **fields) -> dict:
    """Section data with the single form's fields set."""
    return {**data, **{f"abschnitt-{name}": value for name, value in fields.items()}}


@pytest.fixture(autouse=True)
def _fresh_outage_log():
    faults._last_reported.clear()
    yield
    faults._last_reported.clear()


# --- every request is bounded ----------------------------------------------------------------------

# Every page with a formset: (URL name, matrix case label, role that edits there).
FORMSET_PAGES = [
    ("institution_contacts", "active", "coordinator"),
    ("institution_offers", "active", "coordinator"),
    ("institution_leaders", "", "admin"),
    ("user_create", "", "admin"),
    ("user_edit", "", "admin"),
    ("catalogue_edit", "", "admin"),
    ("agreement_partners", "", "coordinator"),
    ("quality_dimension_edit", "", "admin"),
    ("subgroup_work", "working", "coordinator"),
    ("partner_reflection", "own", "coordinator"),
    ("conference_protocol", "open", "coordinator"),
    ("meeting_edit", "open", "coordinator"),
]


def _case(name: str, label: str):
    if (name, label) in EXTRA_CASES:
        return EXTRA_CASES[name, label]
    entry = MATRIX[name]
    return next(c for c in entry if c.label == label) if isinstance(entry, list) else entry


def _page(request, client, name, label, role):
    fixture = request.getfixturevalue
    url = reverse(name, kwargs=_case(name, label).kwargs(fixture))
    client.force_login(fixture(ROLES[role]))
    form = main_form(client.get(url).content.decode(), url)
    return url, form


def _assert_fast_refusal(client, url, data):
    """Refused with the German error in under a second (best of three: the test machine is shared)."""
    timings = []
    for _ in range(3):
        started = time.monotonic()
        response = client.post(url, data)
        timings.append(time.monotonic() - started)
        assert response.status_code == 200
        assert "Bitte höchstens" in response.content.decode()
        if timings[-1] < 1.0:
            return
    pytest.fail(f"refusal took {min(timings):.2f} s at best")


@pytest.mark.parametrize(("name", "label", "role"), FORMSET_PAGES)
def test_forged_row_count_is_refused_fast_with_a_german_error(request, client, name, label, role):
    url, form = _page(request, client, name, label, role)
    totals = [n for n in form.names() if n.endswith("-TOTAL_FORMS")]
    assert totals, f"{name} shows no formset"
    for total in totals:
        data = form.data()
        data[total] = "100000"
        _assert_fast_refusal(client, url, data)


@pytest.mark.parametrize("key", [section.key for section in SECTIONS])
def test_forged_row_count_on_agreement_sections_is_refused_fast(client_for, coordinator, agreement, key):
    client = client_for(coordinator)
    data = section_data(client, agreement, key)
    totals = [n for n in data if n.endswith("-TOTAL_FORMS")]
    for total in totals:
        _assert_fast_refusal(client, section_url(agreement, key), {**data, total: "100000"})


def test_one_row_over_the_limit_is_refused(client_for, coordinator, institution):
    client = client_for(coordinator)
    url = reverse("institution_contacts", args=[institution.pk])
    form = main_form(client.get(url).content.decode(), url)
    data = form.data()
    prefix = next(n for n in data if n.endswith("-TOTAL_FORMS")).removesuffix("-TOTAL_FORMS")
    data[f"{prefix}-TOTAL_FORMS"] = str(MAX_ROWS + 1)
    for i in range(MAX_ROWS + 1):
        data[f"{prefix}-{i}-name"] = f"Person {i}"
    response = client.post(url, data)
    assert response.status_code == 200
    assert f"Bitte höchstens {MAX_ROWS} Zeilen auf einmal speichern." in response.content.decode()


def test_too_many_fields_get_the_german_400_page(client_for, coordinator, institution):
    client = client_for(coordinator)
    client.get(reverse("dashboard"))  # the first request of a process imports and compiles a lot
    body = urlencode({f"feld{i}": "x" for i in range(3001)})  # encoded before the clock starts
    started = time.monotonic()
    response = client.generic(
        "POST",
        reverse("institution_contacts", args=[institution.pk]),
        body,
        content_type="application/x-www-form-urlencoded",
    )
    assert time.monotonic() - started < 1.0
    assert response.status_code == 400
    content = response.content.decode()
    assert "Ungültige Anfrage" in content
    assert "Bad Request" not in content


def test_too_large_body_gets_the_german_400_page(client_for, coordinator, institution):
    response = client_for(coordinator).post(
        reverse("institution_contacts", args=[institution.pk]), {"text": "x" * 3_000_000}
    )
    assert response.status_code == 400
    assert "Ungültige Anfrage" in response.content.decode()


def test_signature_file_over_15_mb_is_refused_by_its_size_without_reading_it():
    from agreements.forms.signing import SignatureForm
    from agreements.services.signing import MAX_UPLOAD

    class Unreadable(SimpleUploadedFile):
        def read(self, *args):
            raise AssertionError("read before the size check")

        def chunks(self, *args):
            raise AssertionError("read before the size check")

    upload = Unreadable("seite.pdf", b"%PDF-1.7", content_type="application/pdf")
    upload.size = MAX_UPLOAD + 1
    form = SignatureForm(
        {"signed_on": "2026-01-02", "place": "Teststadt", "method": "scan", "institution": "1"},
        {"file": upload},
        institutions=[mock.Mock(pk=1)],
    )
    assert form.errors["file"] == ["Die Datei ist größer als 15 MB."]


def test_signature_service_counts_the_chunks_when_the_declared_size_is_wrong():
    from agreements.services import signing
    from kooperation.core.errors import DomainError

    upload = SimpleUploadedFile("seite.pdf", b"x" * 100)
    upload.size = 10  # a lying size: the chunks still count
    with mock.patch.object(signing, "MAX_UPLOAD", 50), pytest.raises(DomainError, match="größer als 15 MB"):
        signing._read_bounded(upload)
    upload.seek(0)
    upload.size = 100
    assert signing._read_bounded(upload) == b"x" * 100


# --- every field is bounded ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("valid_from", "0001-01-01", "Bitte ein Datum ab dem Jahr 1900 angeben."),
        ("valid_from", "9999-12-31", "Bitte ein Datum bis zum Jahr 2100 angeben."),
        ("duration_months", "99999999999", "Bitte höchstens 1200 Monate angeben."),
        ("review_interval_months", "1201", "Bitte höchstens 1200 Monate angeben."),
        ("notice_period_months", "2147483648", "Bitte höchstens 1200 Monate angeben."),
    ],
)
def test_term_values_out_of_range_get_german_messages(client_for, coordinator, agreement, field, value, message):
    client = client_for(coordinator)
    data = single(section_data(client, agreement, "laufzeit"), **{"valid_from": "2026-01-01", field: value})
    response = client.post(section_url(agreement, "laufzeit"), data)
    assert response.status_code == 200
    assert response.context["single"].errors[field] == [message]


@pytest.mark.parametrize(("value", "message"), [("0", "mindestens 1"), ("1001", "höchstens 1000")])
def test_row_position_is_bounded(client_for, coordinator, agreement, value, message):
    client = client_for(coordinator)
    data = section_data(client, agreement, "zielgruppen")
    prefix = next(n for n in data if n.endswith("-TOTAL_FORMS")).removesuffix("-TOTAL_FORMS")
    data.update({f"{prefix}-0-name": "Schwangere", f"{prefix}-0-ORDER": value})
    response = client.post(section_url(agreement, "zielgruppen"), data)
    assert response.status_code == 200
    assert message in str(response.context["formset"].forms[0].errors["ORDER"])


def test_nul_and_control_characters_never_reach_the_database(client_for, coordinator, institution):
    """PostgreSQL refuses NUL in text; nobody types it. It is taken out before the form sees it."""
    client = client_for(coordinator)
    url = reverse("institution_contacts", args=[institution.pk])
    data = main_form(client.get(url).content.decode(), url).data()
    prefix = next(n for n in data if n.endswith("-TOTAL_FORMS")).removesuffix("-TOTAL_FORMS")
    data[f"{prefix}-0-name"] = "Mia\x00 Mus\x1bter"
    data[f"{prefix}-0-responsibility"] = "Beratung"
    response = client.post(url, data)
    assert response.status_code in (200, 302)
    assert "\x00" not in response.content.decode()
    assert institution.contacts.filter(name="Mia Muster").exists()


# --- clean edges: a database error anywhere gives the 503 page --------------------------------------


def _assert_outage_page(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert OUTAGE_TEXT in response.content.decode()


def test_session_save_failure_gives_the_503_page_not_a_400(client_for, member):
    client = client_for(member)  # the first page after signing in renews the session: a write
    with mock.patch.object(Session, "save", side_effect=OperationalError("server closed the connection")):
        response = client.get(reverse("dashboard"))
    _assert_outage_page(response)


def test_new_session_failing_to_save_gives_the_503_page(rf):
    from django.contrib.sessions.backends.db import SessionStore
    from django.http import HttpResponse

    request = rf.get("/")
    middleware = faults.ResilientSessionMiddleware(lambda request: HttpResponse("ok"))
    request.session = SessionStore()
    request.session["note"] = "neu"  # a new session: saving it creates the row
    with mock.patch.object(SessionStore, "_get_new_session_key", side_effect=OperationalError("server closed")):
        response = middleware.process_response(request, HttpResponse("ok"))
    _assert_outage_page(response)


def test_other_errors_during_the_session_save_are_not_hidden(rf):
    from django.contrib.sessions.backends.db import SessionStore
    from django.http import HttpResponse

    request = rf.get("/")
    middleware = faults.ResilientSessionMiddleware(lambda request: HttpResponse("ok"))
    request.session = SessionStore()
    request.session["note"] = "neu"
    with mock.patch.object(SessionStore, "save", side_effect=RuntimeError("bug")), pytest.raises(RuntimeError):
        middleware.process_response(request, HttpResponse("ok"))


def test_session_deleted_meanwhile_gets_the_german_400_page(client_for, member):
    client = client_for(member)
    with mock.patch.object(Session, "save", side_effect=DatabaseError("Forced update did not affect any rows.")):
        response = client.get(reverse("dashboard"))
    assert response.status_code == 400
    assert "Ungültige Anfrage" in response.content.decode()


def test_committed_post_keeps_its_redirect_with_a_note_when_the_session_save_fails(client_for, admin_user, institution):
    client = client_for(admin_user)
    client.get(reverse("dashboard"))

    def touch(self, request):
        """Force the session to be written on this request."""
        response = self.get_response(request)
        request.session["_touched"] = True
        return response

    with (
        mock.patch.object(Session, "save", side_effect=OperationalError("server closed the connection")),
        mock.patch("kooperation.core.sessions.SessionRefreshMiddleware.__call__", autospec=True, side_effect=touch),
    ):
        response = client.post(reverse("institution_deactivate", args=[institution.pk]))
    assert response.status_code == 302
    institution.refresh_from_db()
    assert institution.is_active is False  # the change is committed
    page = client.get(response["Location"]).content.decode()
    assert "Ihre Eingabe ist gespeichert." in page


def test_psycopg_error_outside_djangos_wrapper_gives_the_503_page(client_for, member):
    client = client_for(member)
    client.raise_request_exception = False
    error = psycopg.OperationalError("error while closing the server-side cursor")
    with mock.patch("kooperation.pages.dashboard.memberships", side_effect=error):
        response = client.get(reverse("dashboard"))
    _assert_outage_page(response)


def test_database_error_while_rendering_the_template_gives_the_503_page(client_for, member):
    client = client_for(member)
    client.raise_request_exception = False
    original = Template.render
    calls = []

    def fail_once(self, context):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("connection lost while rendering")
        return original(self, context)

    with mock.patch.object(Template, "render", fail_once):
        response = client.get(reverse("dashboard"))
    _assert_outage_page(response)


# --- logs that help ----------------------------------------------------------------------------------


def test_403_is_one_info_line_not_a_warning(client_for, member, institution, caplog):
    caplog.set_level(logging.INFO)
    response = client_for(member).get(reverse("institution_contacts", args=[institution.pk]))
    assert response.status_code == 403
    assert not [r for r in caplog.records if r.name == "django.request"]
    (line,) = [r for r in caplog.records if r.name == "kooperation.request"]
    assert line.levelno == logging.INFO
    message = line.getMessage()
    assert message.startswith(f"403 user={member.pk} path=/")
    assert "Ansprechpartner/innen und Angebote" in message  # the reason
    assert not line.exc_info


def test_404_is_one_info_line(client_for, member, caplog):
    caplog.set_level(logging.INFO)
    client_for(member).get("/gibt-es-nicht/")
    assert not [r for r in caplog.records if r.name == "django.request"]
    (line,) = [r for r in caplog.records if r.name == "kooperation.request"]
    assert line.levelno == logging.INFO
    assert line.getMessage().startswith("404 user=")
    assert "path=/gibt-es-nicht/" in line.getMessage()


def test_outage_is_logged_once_a_minute_with_its_error_class(client_for, member, caplog):
    client = client_for(member)
    client.raise_request_exception = False
    with mock.patch("kooperation.pages.dashboard.memberships", side_effect=OperationalError("server closed")):
        for _ in range(3):
            assert client.get(reverse("dashboard")).status_code == 503
    records = [r for r in caplog.records if r.name == "django.request"]
    assert len(records) == 1
    assert "OperationalError" in records[0].getMessage()
    assert records[0].exc_info is None
    with (
        mock.patch("time.monotonic", return_value=time.monotonic() + 61),
        mock.patch("kooperation.pages.dashboard.memberships", side_effect=OperationalError("server closed")),
    ):
        client.get(reverse("dashboard"))
    assert len([r for r in caplog.records if r.name == "django.request"]) == 2


def test_server_errors_keep_their_traceback(client_for, member, caplog):
    client = client_for(member)
    client.raise_request_exception = False
    with mock.patch("kooperation.pages.dashboard.memberships", side_effect=RuntimeError("bug")):
        assert client.get(reverse("dashboard")).status_code == 500
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.levelno == logging.ERROR
    assert record.exc_info
    assert isinstance(record.exc_info[1], RuntimeError)


def test_json_log_lines():
    formatter = faults.JsonFormatter()
    try:
        raise RuntimeError("kaputt")
    except RuntimeError:
        import sys

        record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "%s: %s", ("Fehler", "/"), None)
        record.exc_info = sys.exc_info()
    record.status_code = 500
    entry = json.loads(formatter.format(record))
    assert entry["level"] == "ERROR"
    assert entry["logger"] == "django.request"
    assert entry["message"] == "Fehler: /"
    assert entry["status"] == 500
    assert "RuntimeError: kaputt" in entry["exception"]


def test_free_texts_without_a_column_length_are_bounded(client_for, coordinator, agreement):
    client = client_for(coordinator)
    data = section_data(client, agreement, "laufzeit")
    data = single(data, valid_from="2026-01-01", board_duties="x" * 20_001)
    response = client.post(section_url(agreement, "laufzeit"), data)
    assert response.status_code == 200
    assert "höchstens 20000 Zeichen" in str(response.context["single"].errors["board_duties"])


@pytest.mark.parametrize(("value", "is_json"), [("true", True), ("false", False)])
def test_log_json_setting_switches_the_log_format(value, is_json):
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "kooperation.settings",
        "DJANGO_SECRET_KEY": "a-test-secret-key-that-is-long-enough-0123456789-abcdefghijklmnop",
        "DJANGO_LOG_JSON": value,
    }
    code = "import django, logging; django.setup(); logging.getLogger('kooperation.test').warning('Störung %s', 1)"
    result = subprocess.run(  # noqa: S603 - fixed argv: this interpreter and our own code
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    line = result.stderr.strip().splitlines()[-1]
    if is_json:
        assert json.loads(line) | {"time": "-"} == {
            "time": "-",
            "level": "WARNING",
            "logger": "kooperation.test",
            "message": "Störung 1",
        }
    else:
        assert line.endswith("WARNING kooperation.test Störung 1")
