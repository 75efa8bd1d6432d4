"""Form input without control characters.

Nobody types NUL, escape or the other C0 control characters into a form; they come from broken
clients or probes. Left in, they reach the database (PostgreSQL refuses NUL in text) and, when a
form with errors is shown again, they are written back into the page, which is then invalid HTML.
Tab and line breaks are text and stay.
"""

from __future__ import annotations

import re

from django.http import QueryDict

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
FORM_BODIES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _cleaned(data: QueryDict) -> QueryDict | None:
    """A copy of data without control characters, or None if there were none."""
    if not any(CONTROL_CHARACTERS.search(value) for _key, values in data.lists() for value in values):
        return None
    cleaned = data.copy()
    for key, values in data.lists():
        cleaned.setlist(key, [CONTROL_CHARACTERS.sub("", value) for value in values])
    cleaned._mutable = False
    return cleaned


class StripControlCharactersMiddleware:
    """Remove control characters from query strings and form posts before any view reads them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (cleaned := _cleaned(request.GET)) is not None:
            request.GET = cleaned
        # CsrfViewMiddleware reads request.POST before every view anyway; parsing it here is not extra work.
        is_form = request.method == "POST" and request.content_type in FORM_BODIES
        if is_form and (cleaned := _cleaned(request.POST)) is not None:
            request.POST = cleaned
        return self.get_response(request)
