"""The security log: one helper, `record`, that every layer may call (sign-in, role grants, data exports …)."""

from __future__ import annotations

import ipaddress
import logging

from django.conf import settings

from kooperation.network.models import SecurityEvent

logger = logging.getLogger("kooperation.security")

Kind = SecurityEvent.Kind


def client_ip(request) -> str | None:
    """The client's address: behind the load balancer the last X-Forwarded-For entry (the one it appended)."""
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.split(",")[-1].strip()
        if last:
            return last
    return request.META.get("REMOTE_ADDR")


def request_ip(request) -> str | None:
    """The client address as the throttle sees it; None if there is no usable one."""
    if request is None:
        return None
    address = getattr(request, "axes_ip_address", None) or client_ip(request)
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        return None


def record(kind: str, *, user=None, actor=None, detail: str = "", request=None, login_name: str = "") -> SecurityEvent:
    """Write one security-log entry. `detail` is plain text without secrets (no passwords, codes, keys).

    `actor` defaults to the signed-in user of `request`; the IP address is stored only when a request is given.
    """
    if actor is None and request is not None:
        current = getattr(request, "user", None)
        if current is not None and current.is_authenticated:
            actor = current
    event = SecurityEvent.objects.create(
        kind=kind,
        user=user if user is not None and user.pk else None,
        actor=actor,
        login_name=login_name[:254],
        ip_address=request_ip(request),
        detail=str(detail)[:500],
    )
    logger.info("security event %s user=%s actor=%s", kind, getattr(user, "pk", None), getattr(actor, "pk", None))
    return event
