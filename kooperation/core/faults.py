"""Faults at the edges of a request: database outages, refused requests and what the log says about them.

- ``is_outage`` tells a database that cannot be reached (503, try again) from a data bug (500).
- ``ResilientSessionMiddleware`` replaces Django's SessionMiddleware: a database error while saving
  the session gives the 503 page instead of Django's plain English "Bad Request (400)"; when the
  view already committed a change and redirected, the redirect is kept with a note.
- ``RefusalLogMiddleware`` and ``DropRefusals`` log a 403/404 as one INFO line instead of a WARNING.
- ``OutageLogFilter`` reports an outage once per minute and error class per worker process.
- ``JsonFormatter`` writes one JSON object per log line (``DJANGO_LOG_JSON=true``).
"""

from __future__ import annotations

import json
import logging
import threading
import time

from django.contrib.messages import constants as message_levels
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.sessions.exceptions import SessionInterrupted
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, DataError, IntegrityError
from django.http import Http404, HttpResponse
from django.template import loader
from django.utils.functional import empty
from django.utils.translation import gettext as _

try:  # psycopg raises its own errors outside Django's wrapper, e.g. while closing a server-side cursor.
    import psycopg
except ImportError:  # pragma: no cover - SQLite-only installations
    psycopg = None

logger = logging.getLogger("kooperation.faults")
request_logger = logging.getLogger("kooperation.request")

RETRY_AFTER_SECONDS = 30
OUTAGE_LOG_INTERVAL = 60.0

_DATABASE_ERRORS: tuple[type[BaseException], ...] = (DatabaseError,) + ((psycopg.Error,) if psycopg else ())
_DATA_ERRORS: tuple[type[BaseException], ...] = (DataError, IntegrityError) + (
    (psycopg.DataError, psycopg.IntegrityError) if psycopg else ()
)


def is_outage(exc: BaseException | None) -> bool:
    """A database (or connection) failure, not a bug in the data this request sent."""
    return isinstance(exc, _DATABASE_ERRORS) and not isinstance(exc, _DATA_ERRORS)


def outage_response() -> HttpResponse:
    """The German 503 page, rendered without the database (no request context)."""
    response = HttpResponse(loader.get_template("503.html").render({}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


# --- outage log rate limit ------------------------------------------------------------------------

_last_reported: dict[str, float] = {}
_lock = threading.Lock()


def first_report_this_minute(exc: BaseException) -> bool:
    """True for the first outage of this error class in this process within OUTAGE_LOG_INTERVAL seconds."""
    key = type(exc).__qualname__
    now = time.monotonic()
    with _lock:
        last = _last_reported.get(key)
        if last is not None and now - last < OUTAGE_LOG_INTERVAL:
            return False
        _last_reported[key] = now
        return True


def _exception(record: logging.LogRecord) -> BaseException | None:
    return record.exc_info[1] if record.exc_info else None


class OutageLogFilter(logging.Filter):
    """On `django.request`: an outage is one line with its error class, at most once a minute.

    Every request during an outage fails the same way; a traceback per request would bury the
    log. Other server errors pass unchanged, with their tracebacks.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        exc = _exception(record)
        if not is_outage(exc):
            return True
        if not first_report_this_minute(exc):
            return False
        path = record.args[-1] if isinstance(record.args, tuple) and record.args else ""
        record.msg = "database unavailable, answering 503 (%s: %s) on %s; repeats suppressed for %d s"
        record.args = (type(exc).__name__, _first_line(exc), path, int(OUTAGE_LOG_INTERVAL))
        record.exc_info = None
        record.exc_text = None
        return True


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else ""


class DropRefusals(logging.Filter):
    """On `django.request`: drop 403 and 404 records (RefusalLogMiddleware logs them as one INFO line)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return getattr(record, "status_code", None) not in (403, 404)


# --- middleware -------------------------------------------------------------------------------------


def _outage_behind(exc: BaseException) -> BaseException | None:
    """The database error that made the session save fail, if any.

    A session deleted meanwhile (logout in another tab) also ends in SessionInterrupted, from a
    plain DatabaseError("Forced update did not affect any rows."); only its subclasses
    (OperationalError, InterfaceError …) mean the database itself failed.
    """
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if is_outage(exc) and type(exc) is not DatabaseError:
            return exc
        exc = exc.__cause__ or exc.__context__
    return None


class ResilientSessionMiddleware(SessionMiddleware):
    """Django's SessionMiddleware, with a database failure during the session save handled.

    A POST the view has already carried out and answered with a redirect keeps its redirect (the
    change is committed; only the session could not be renewed) and gets a note; anything else
    gets the 503 page.
    """

    def process_response(self, request, response):
        try:
            return super().process_response(request, response)
        except SessionInterrupted as exc:
            outage = _outage_behind(exc)
            if outage is None:
                raise
        except Exception as exc:
            if not is_outage(exc):
                raise
            outage = exc
        if first_report_this_minute(outage):
            logger.error(
                "database unavailable while saving the session (%s: %s) on %s %s",
                type(outage).__name__,
                _first_line(outage),
                request.method,
                request.path,
            )
        if request.method not in ("GET", "HEAD", "OPTIONS") and 300 <= response.status_code < 400:
            _add_note(request, response)
            return response
        return outage_response()


def _add_note(request, response) -> None:
    """Add a warning to the messages cookie the response already carries (the session is unavailable)."""
    note = _(
        "Ihre Eingabe ist gespeichert. Die Anmeldung konnte gerade nicht verlängert werden; falls Sie "
        "abgemeldet werden, melden Sie sich bitte erneut an."
    )
    try:
        storage = CookieStorage(request)
        cookie = response.cookies.get(storage.cookie_name)
        messages = list(storage._decode(cookie.value) or []) if cookie is not None and cookie.value else []
        messages.append(Message(message_levels.WARNING, note))
        storage._store(messages, response)
    except Exception:  # a note is nice to have; the committed redirect matters
        logger.exception("could not add the session note to the redirect")


class RefusalLogMiddleware:
    """Log a 403 or 404 as one INFO line: status, user id, path and the reason given."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code in (403, 404):
            request_logger.info(
                "%s user=%s path=%s reason=%s",
                response.status_code,
                _user_id(request),
                request.path,
                getattr(request, "_refusal_reason", "") or response.reason_phrase,
            )
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, (PermissionDenied, Http404)):
            request._refusal_reason = str(exception).replace("\n", " ")[:300]


def _user_id(request) -> str:
    """The signed-in user's id, without loading the user for this (the database may be down)."""
    user = getattr(request, "user", None)
    if user is None or getattr(user, "_wrapped", None) is empty:
        return "-"
    return str(user.pk) if user.is_authenticated else "anonymous"


# --- JSON log lines ---------------------------------------------------------------------------------


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message; exception and HTTP status when present."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        status = getattr(record, "status_code", None)
        if status is not None:
            entry["status"] = status
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
