"""Project-wide views: the language switch and the error page that must work without the database."""

from __future__ import annotations

import sys

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError
from django.http import HttpResponseServerError
from django.template import loader
from django.views.i18n import set_language as django_set_language

from kooperation.core.redirects import is_local_path


@login_not_required
def set_language(request):
    """Django's language switch; its redirect (from `next` or the Referer) only ever goes to a path on this site."""
    response = django_set_language(request)
    location = response.get("Location")
    if location is not None and not is_local_path(location):
        response["Location"] = "/"
    return response


def server_error(request):
    """Render the 500 page; a database outage gets its own explanation (status 503)."""
    exc = sys.exc_info()[1]
    database_down = isinstance(exc, DatabaseError) and not _is_data_error(exc)
    template = loader.get_template("503.html" if database_down else "500.html")
    # No request context: context processors could touch the database that just failed.
    response = HttpResponseServerError(template.render({}))
    if database_down:
        response.status_code = 503
        response["Retry-After"] = "60"
    return response


def _is_data_error(exc: Exception) -> bool:
    from django.db import DataError, IntegrityError

    return isinstance(exc, (DataError, IntegrityError))
