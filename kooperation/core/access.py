"""The result of an access check: allowed, or denied with a German reason shown to the user."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


ALLOWED = Verdict(True)


def denied(reason: str) -> Verdict:
    return Verdict(False, reason)


def require(verdict: Verdict) -> None:
    """Raise PermissionDenied with the verdict's reason unless it is allowed."""
    if not verdict:
        raise PermissionDenied(verdict.reason)
