"""Scoping helpers: which institutions a user belongs to, read from memberships loaded once per request."""

from __future__ import annotations


def memberships(user) -> list:
    """Return the user's memberships, loaded once per request and cached on the user."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_kooperation_memberships", None)
    if cached is None:
        cached = list(user.memberships.select_related("institution__arbeitsfeld"))
        user._kooperation_memberships = cached
    return cached


def institution_ids(user, role: str | None = None) -> set[int]:
    """IDs of the active institutions the user belongs to (optionally: with this role)."""
    return {m.institution_id for m in memberships(user) if m.institution.is_active and (role is None or m.role == role)}


def role_institution_ids(user, roles) -> set[int]:
    """IDs of the active institutions in which the user holds one of these roles."""
    return {m.institution_id for m in memberships(user) if m.institution.is_active and m.role in roles}


def has_role(user, institution_id: int, role: str) -> bool:
    return institution_id in institution_ids(user, role)
