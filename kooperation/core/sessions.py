"""Sliding session expiry without a database write on every request."""

from __future__ import annotations

import time

from django.conf import settings

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
