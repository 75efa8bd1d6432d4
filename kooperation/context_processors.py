"""Template context shared by every page."""

from __future__ import annotations

from django.urls import reverse

from kooperation.network import permissions as perms

# The main navigation's items (key, URL name); the layout marks the one the current page belongs to.
NAV_ITEMS = (
    ("dashboard", "dashboard"),
    ("agreements", "agreement_list"),
    ("cases", "case_list"),
    ("tasks", "my_tasks"),
    ("network", "institution_list"),
    ("notifications", "notification_list"),
)


def current_nav_item(path: str) -> str:
    """The key of the one nav item `path` belongs to: the longest item URL it starts with ("" for none).

    The start page ("/") is current only on itself, not as the prefix of every page.
    """
    best, best_length = "", 0
    for key, name in NAV_ITEMS:
        url = reverse(name)
        matches = path == url if url == "/" else path.startswith(url)
        if matches and len(url) > best_length:
            best, best_length = key, len(url)
    return best


def navigation(request) -> dict:
    """Tell the base layout which areas the user may open and where the page is (no database queries)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_admin": False}
    return {"nav_admin": bool(perms.can_manage_network(user)), "nav_current": current_nav_item(request.path)}
