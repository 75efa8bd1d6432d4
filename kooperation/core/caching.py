"""Pages and files with case data must not stay in a browser's or proxy's cache."""

from __future__ import annotations

from django.conf import settings
from django.utils.cache import add_never_cache_headers, patch_cache_control


def shows_case_data(view_func) -> bool:
    """True for views from the modules listed in NO_STORE_VIEW_MODULES (and their submodules)."""
    module = getattr(view_func, "__module__", "") or ""
    return any(module == name or module.startswith(name + ".") for name in settings.NO_STORE_VIEW_MODULES)


class NoStoreMiddleware:
    """Answer the views that show case data with `Cache-Control: no-store, private` (and never-cache headers).

    Keyed on the view's module, so every page, htmx fragment and download of those apps is covered,
    including new ones, without a decorator on each view.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and shows_case_data(match.func):
            add_never_cache_headers(response)
            patch_cache_control(response, no_store=True, private=True)
        return response
