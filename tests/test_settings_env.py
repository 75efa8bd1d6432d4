"""Settings come from typed environment variables that fail loudly on bad values."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from kooperation.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET = "a-test-secret-key-that-is-long-enough-0123456789-abcdefghijklmnop"


# --- the typed readers ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["vielleicht", "ja", "2", "truee"])
def test_env_bool_refuses_anything_but_true_or_false(monkeypatch, value):
    monkeypatch.setenv("KOOP_TEST_FLAG", value)
    with pytest.raises(ImproperlyConfigured, match=f"KOOP_TEST_FLAG={value!r} is not a boolean"):
        env_bool("KOOP_TEST_FLAG", default=False)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        *[("1", True), ("true", True), (" TRUE ", True), ("yes", True), ("on", True)],
        *[("0", False), ("false", False), ("No", False), ("off", False)],
    ],
)
def test_env_bool_reads_the_usual_spellings(monkeypatch, value, expected):
    monkeypatch.setenv("KOOP_TEST_FLAG", value)
    assert env_bool("KOOP_TEST_FLAG", default=not expected) is expected


@pytest.mark.parametrize("default", [True, False])
def test_env_bool_falls_back_to_the_default_when_unset_or_empty(monkeypatch, default):
    monkeypatch.delenv("KOOP_TEST_FLAG", raising=False)
    assert env_bool("KOOP_TEST_FLAG", default=default) is default
    monkeypatch.setenv("KOOP_TEST_FLAG", "")
    assert env_bool("KOOP_TEST_FLAG", default=default) is default


@pytest.mark.parametrize("value", ["abc", "1.5", "30min", "0x10"])
def test_env_int_refuses_non_numbers(monkeypatch, value):
    monkeypatch.setenv("KOOP_TEST_NUMBER", value)
    with pytest.raises(ImproperlyConfigured, match=f"KOOP_TEST_NUMBER={value!r} is not an integer"):
        env_int("KOOP_TEST_NUMBER", 5)


def test_env_int_refuses_values_below_the_minimum(monkeypatch):
    monkeypatch.setenv("KOOP_TEST_NUMBER", "0")
    with pytest.raises(ImproperlyConfigured, match="KOOP_TEST_NUMBER=0 must be at least 1"):
        env_int("KOOP_TEST_NUMBER", 5, minimum=1)


@pytest.mark.parametrize(("value", "expected"), [("1", 1), ("45", 45), (" 7 ", 7)])
def test_env_int_reads_numbers_at_or_above_the_minimum(monkeypatch, value, expected):
    monkeypatch.setenv("KOOP_TEST_NUMBER", value)
    assert env_int("KOOP_TEST_NUMBER", 5, minimum=1) == expected


def test_env_int_falls_back_to_the_default(monkeypatch):
    monkeypatch.delenv("KOOP_TEST_NUMBER", raising=False)
    assert env_int("KOOP_TEST_NUMBER", 5, minimum=1) == 5
    monkeypatch.setenv("KOOP_TEST_NUMBER", "")
    assert env_int("KOOP_TEST_NUMBER", 6, minimum=1) == 6


def test_env_str_without_default_is_required(monkeypatch):
    monkeypatch.delenv("KOOP_TEST_TEXT", raising=False)
    with pytest.raises(ImproperlyConfigured, match="KOOP_TEST_TEXT is required"):
        env_str("KOOP_TEST_TEXT")
    monkeypatch.setenv("KOOP_TEST_TEXT", "")
    with pytest.raises(ImproperlyConfigured, match="KOOP_TEST_TEXT is required"):
        env_str("KOOP_TEST_TEXT")


def test_env_str_reads_the_value_or_the_default(monkeypatch):
    monkeypatch.delenv("KOOP_TEST_TEXT", raising=False)
    assert env_str("KOOP_TEST_TEXT", "vorgabe") == "vorgabe"
    monkeypatch.setenv("KOOP_TEST_TEXT", "wert")
    assert env_str("KOOP_TEST_TEXT", "vorgabe") == "wert"


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("KOOP_TEST_LIST", " a.example, b.example,, ")
    assert env_list("KOOP_TEST_LIST", ["x"]) == ["a.example", "b.example"]
    monkeypatch.setenv("KOOP_TEST_LIST", "  ")
    assert env_list("KOOP_TEST_LIST", ["x"]) == ["x"]


# --- importing the settings module in a clean environment ----------------------------------------

_PRINT_SETTINGS = """
import json
import django
from django.conf import settings
django.setup()
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "ENGINE": settings.DATABASES["default"]["ENGINE"],
    "SESSION_COOKIE_AGE": settings.SESSION_COOKIE_AGE,
    "SECURE_SSL_REDIRECT": settings.SECURE_SSL_REDIRECT,
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "DB_OPTIONS": settings.DATABASES["default"].get("OPTIONS", {}),
}))
"""


def _load_settings(**environment: str) -> subprocess.CompletedProcess:
    """Import kooperation.settings in a fresh interpreter that sees only `environment`."""
    env = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "kooperation.settings", **environment}
    return subprocess.run(  # noqa: S603 - fixed argv: this interpreter and our own code
        [sys.executable, "-c", _PRINT_SETTINGS], cwd=BASE_DIR, env=env, capture_output=True, text=True, check=False
    )


def _settings(**environment: str) -> dict:
    result = _load_settings(**environment)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = _load_settings(DJANGO_DEBUG="false")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_settings_start_with_a_secret_key_and_default_to_https():
    loaded = _settings(DJANGO_DEBUG="false", DJANGO_SECRET_KEY=SECRET)
    assert loaded["DEBUG"] is False
    assert loaded["SECURE_SSL_REDIRECT"] is True
    assert loaded["SESSION_COOKIE_SECURE"] is True


def test_development_settings_start_without_a_secret_key():
    assert _settings(DJANGO_DEBUG="true")["DEBUG"] is True


def test_a_bad_debug_value_stops_the_start():
    result = _load_settings(DJANGO_DEBUG="vielleicht", DJANGO_SECRET_KEY=SECRET)
    assert result.returncode != 0
    assert "DJANGO_DEBUG='vielleicht' is not a boolean" in result.stderr


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("KOOPERATION_SESSION_IDLE_MINUTES", "0", "KOOPERATION_SESSION_IDLE_MINUTES=0 must be at least 1"),
        ("KOOPERATION_SESSION_IDLE_MINUTES", "halbe Stunde", "is not an integer"),
        ("DJANGO_HTTPS", "jein", "DJANGO_HTTPS='jein' is not a boolean"),
        ("DJANGO_CONN_MAX_AGE", "-1", "DJANGO_CONN_MAX_AGE=-1 must be at least 0"),
        ("DATABASE_URL", "datenbank-auf-dem-server", "DATABASE_URL is not a valid database URL"),
    ],
)
def test_a_bad_value_stops_the_start_with_a_clear_message(variable, value, message):
    result = _load_settings(DJANGO_SECRET_KEY=SECRET, **{variable: value})
    assert result.returncode != 0
    assert message in result.stderr


def test_session_idle_minutes_set_the_session_age():
    assert _settings(DJANGO_SECRET_KEY=SECRET, KOOPERATION_SESSION_IDLE_MINUTES="15")["SESSION_COOKIE_AGE"] == 900
    assert _settings(DJANGO_SECRET_KEY=SECRET)["SESSION_COOKIE_AGE"] == 1800


def test_database_url_switches_to_postgresql_and_sqlite_is_the_default():
    assert _settings(DJANGO_SECRET_KEY=SECRET)["ENGINE"] == "django.db.backends.sqlite3"
    postgres = _settings(DJANGO_SECRET_KEY=SECRET, DATABASE_URL="postgres://kooperation@db.example:5432/kooperation")
    assert postgres["ENGINE"] == "django.db.backends.postgresql"


def test_allowed_hosts_come_from_the_environment():
    loaded = _settings(DJANGO_SECRET_KEY=SECRET, DJANGO_ALLOWED_HOSTS="kooperation.example.org, www.example.org")
    assert loaded["ALLOWED_HOSTS"] == ["kooperation.example.org", "www.example.org"]


def test_postgresql_connections_have_connect_and_statement_timeouts():
    url = "postgres://kooperation@db.example:5432/kooperation"
    options = _settings(DJANGO_SECRET_KEY=SECRET, DATABASE_URL=url)["DB_OPTIONS"]
    assert options["connect_timeout"] == 5
    assert options["options"] == "-c statement_timeout=15000"
    custom = _settings(
        DJANGO_SECRET_KEY=SECRET, DATABASE_URL=url, DJANGO_DB_CONNECT_TIMEOUT="2", DJANGO_DB_STATEMENT_TIMEOUT_MS="500"
    )["DB_OPTIONS"]
    assert custom["connect_timeout"] == 2
    assert custom["options"] == "-c statement_timeout=500"


_CONNECT = """
import time
import django
from django.db import OperationalError, connection
django.setup()
started = time.monotonic()
try:
    connection.ensure_connection()
except OperationalError:
    print(round(time.monotonic() - started, 1))
"""


def test_a_database_that_accepts_but_never_answers_fails_within_the_connect_timeout():
    with socket.socket() as listener:  # accepts connections (backlog) and never says a word
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        port = listener.getsockname()[1]
        env = {
            "PATH": os.environ.get("PATH", ""),
            "DJANGO_SETTINGS_MODULE": "kooperation.settings",
            "DJANGO_SECRET_KEY": SECRET,
            "DATABASE_URL": f"postgres://kooperation@127.0.0.1:{port}/kooperation",
            "DJANGO_DB_CONNECT_TIMEOUT": "1",
        }
        result = subprocess.run(  # noqa: S603 - fixed argv: this interpreter and our own code
            [sys.executable, "-c", _CONNECT], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=30
        )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip(), "the connection attempt did not fail"
    assert float(result.stdout) < 5


_SQLITE_MODE = """
import django
from django.db import connection
django.setup()
with connection.cursor() as cursor:
    cursor.execute("PRAGMA journal_mode")
    journal = cursor.fetchone()[0]
    cursor.execute("PRAGMA synchronous")
    synchronous = cursor.fetchone()[0]
print(journal, synchronous)
"""


def test_the_embedded_sqlite_database_uses_the_write_ahead_log(tmp_path):
    # Readers do not wait for a writer (the access log writes on every case page) and a commit
    # appends to the log instead of syncing a rollback journal: synchronous=NORMAL (1).
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "kooperation.settings",
        "DJANGO_DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'wal.sqlite3'}",
    }
    result = subprocess.run(  # noqa: S603 - fixed argv: this interpreter and our own code
        [sys.executable, "-c", _SQLITE_MODE], cwd=BASE_DIR, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["wal", "1"]
