"""The benchmark's floor: the cheapest pages behind the same middleware (only with KOOPERATION_BENCH=true)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse


def floor(request):
    """Logged-in floor: session, authentication and every middleware, no page work."""
    return HttpResponse(f"ok {request.user.pk}", content_type="text/plain")


@login_not_required
def anonymous_floor(request):
    """Anonymous floor: the middleware without a session lookup."""
    return HttpResponse("ok", content_type="text/plain")
