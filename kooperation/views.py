"""Project-wide views: the error pages that must work without the database."""

from __future__ import annotations

import sys

from django.http import HttpResponseBadRequest, HttpResponseServerError
from django.template import loader

from kooperation.core.faults import is_outage, outage_response


def bad_request(request, exception):
    """The German 400 page (too many fields, a broken request), rendered without the database."""
    return HttpResponseBadRequest(loader.get_template("400.html").render({}))


def server_error(request):
    """Render the 500 page; a database outage gets its own explanation (status 503, Retry-After)."""
    if is_outage(sys.exc_info()[1]):
        return outage_response()
    # No request context: context processors could touch the database that just failed.
    return HttpResponseServerError(loader.get_template("500.html").render({}))
