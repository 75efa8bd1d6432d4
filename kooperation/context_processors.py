"""Template context shared by every page."""

from __future__ import annotations

from functools import lru_cache

from django.urls import get_script_prefix, reverse

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


@lru_cache(maxsize=8)
def _nav_urls(script_prefix: str) -> tuple[tuple[str, str], ...]:
    """(key, URL) of each nav item; the same for every request under one script prefix."""
    return tuple((key, reverse(name)) for key, name in NAV_ITEMS)


def current_nav_item(path: str) -> str:
    """The key of the one nav item `path` belongs to: the longest item URL it starts with ("" for none).

    The start page ("/") is current only on itself, not as the prefix of every page.
    """
    best, best_length = "", 0
    for key, url in _nav_urls(get_script_prefix()):
        matches = path == url if url == "/" else path.startswith(url)
        if matches and len(url) > best_length:
            best, best_length = key, len(url)
    return best


def exact_nav_item(path: str) -> str:
    """The key of the nav item whose URL is exactly `path` (it gets aria-current="page"), or ""."""
    return next((key for key, url in _nav_urls(get_script_prefix()) if url == path), "")


def navigation(request) -> dict:
    """Tell the base layout which areas the user may open and where the page is (no database queries).

    The layout caches its navigation per language and these values (see templates/base.html), so
    they must say everything the navigation's markup depends on.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_admin": False, "nav_current": "", "nav_exact": ""}
    return {
        "nav_admin": bool(perms.can_manage_network(user)),
        "nav_current": current_nav_item(request.path),
        "nav_exact": exact_nav_item(request.path),
    }
