"""Content-Security-Policy header, built once from the settings instead of on every response."""

from __future__ import annotations

from dataclasses import asdict
from http import HTTPStatus

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings

_SETTING = {False: "CONTENT_SECURITY_POLICY", True: "CONTENT_SECURITY_POLICY_REPORT_ONLY"}


class CachedPolicyCSPMiddleware(CSPMiddleware):
    """django-csp's middleware; the policy from the settings is turned into header text once.

    django-csp 4 rebuilds the header text from the settings' directives on every response
    (about 60 µs). Responses with their own policy (its decorators) or a nonce still get theirs
    built by django-csp; for all others the text is the same, so it is kept per settings object
    (a changed setting, e.g. in tests, builds it anew).
    """

    def __init__(self, get_response=None):
        super().__init__(get_response)
        self._built: dict[bool, tuple[object, str]] = {}

    def _policy(self, request, response, report_only: bool) -> str:
        parts = self.get_policy_parts(request=request, response=response, report_only=report_only)
        if parts.config is not None or parts.update is not None or parts.replace is not None or parts.nonce:
            return build_policy(**asdict(parts), report_only=report_only)
        setting = getattr(settings, _SETTING[report_only], None)
        built = self._built.get(report_only)
        if built is None or built[0] is not setting:
            built = self._built[report_only] = (setting, build_policy(report_only=report_only))
        return built[1]

    def process_response(self, request, response):
        """django-csp 4.0's process_response, with `_policy` in place of building the text each time."""
        if response.status_code in (HTTPStatus.INTERNAL_SERVER_ERROR, HTTPStatus.NOT_FOUND) and settings.DEBUG:
            return response
        for report_only, header in ((False, HEADER), (True, HEADER_REPORT_ONLY)):
            policy = self._policy(request, response, report_only)
            if not policy:
                continue
            exempt = getattr(response, "_csp_exempt_ro" if report_only else "_csp_exempt", False) is not False
            prefixes = (getattr(settings, _SETTING[report_only], None) or {}).get("EXCLUDE_URL_PREFIXES", None) or ()
            excluded = request.path_info.startswith(tuple(prefixes))
            if header not in response and not exempt and not excluded:
                response[header] = policy
        # As django-csp: reading request.csp_nonce after the header is written is an error.
        if getattr(request, "_csp_nonce", None) is None:
            request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
