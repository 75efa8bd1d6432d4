"""Template context shared by every page."""

from __future__ import annotations

from kooperation.network import permissions as perms


def navigation(request) -> dict:
    """Tell the base layout which areas the user may open (no database queries)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_admin": False}
    return {"nav_admin": bool(perms.can_manage_network(user))}
