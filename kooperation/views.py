"""Project-wide views: the language switch and the error pages that must work without the database."""

from __future__ import annotations

import sys

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseBadRequest, HttpResponseServerError
from django.template import loader
from django.views.i18n import set_language as django_set_language

from kooperation.core.faults import is_outage, outage_response
from kooperation.core.redirects import is_local_path


@login_not_required
def set_language(request):
    """Django's language switch; its redirect (from `next` or the Referer) only ever goes to a path on this site."""
    response = django_set_language(request)
    location = response.get("Location")
    if location is not None and not is_local_path(location):
        response["Location"] = "/"
    return response


def bad_request(request, exception):
    """The German 400 page (too many fields, a broken request), rendered without the database."""
    return HttpResponseBadRequest(loader.get_template("400.html").render({}))


def server_error(request):
    """Render the 500 page; a database outage gets its own explanation (status 503, Retry-After)."""
    if is_outage(sys.exc_info()[1]):
        return outage_response()
    # No request context: context processors could touch the database that just failed.
    return HttpResponseServerError(loader.get_template("500.html").render({}))
