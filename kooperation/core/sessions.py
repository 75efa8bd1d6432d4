"""Sessions: the row read with precompiled SQL, and sliding expiry without a write on every request."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.sessions.backends import db
from django.db import router
from django.utils import timezone

from kooperation.core.compiled import CompiledQuery

REFRESHED_AT = "_kooperation_refreshed_at"


class SessionRefreshMiddleware:
    """Renew a signed-in session's expiry at most once per SESSION_REFRESH_SECONDS.

    SESSION_SAVE_EVERY_REQUEST would write the session row on every request; refreshing once a
    minute keeps the idle timeout (SESSION_COOKIE_AGE) within a minute of exact and makes
    reading pages cheap.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.is_empty():
            return response
        now = time.time()
        last = session.get(REFRESHED_AT)
        if not isinstance(last, int | float) or now - last >= settings.SESSION_REFRESH_SECONDS or now < last:
            # Touching the session marks it modified, so SessionMiddleware saves it with a fresh expiry.
            session[REFRESHED_AT] = now
        return response


def _session_query(session_key, now):
    from django.contrib.sessions.models import Session

    return Session.objects.filter(session_key=session_key, expire_date__gt=now)


def _session_params(connection, session_key, now):
    from django.contrib.sessions.models import Session

    fields = Session._meta
    return [
        fields.get_field("expire_date").get_db_prep_value(now, connection),
        fields.get_field("session_key").get_db_prep_value(session_key, connection),
    ]


_SESSION = CompiledQuery(_session_query, _session_params)


class SessionStore(db.SessionStore):
    """Django's database sessions; the row is read with SQL compiled once per connection.

    The class keeps Django's name: the name is part of the salt that signs the session data, so
    sessions written by Django's store stay readable and the other way round. Like Django's, it
    only returns a row whose expiry lies in the future.
    """

    def _get_session_from_db(self):
        rows = _SESSION.fetch(router.db_for_read(self.model), self.session_key, timezone.now())
        if rows:
            return rows[0]
        self._session_key = None
        return None
