"""`next=` targets: only paths on this site, however they are encoded."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from django.utils.http import url_has_allowed_host_and_scheme

# Percent-decoding is repeated (a few rounds) so /%252F%252Fevil.example cannot hide // either.
_DECODE_ROUNDS = 3


def is_local_path(url: str | None) -> bool:
    """True only for a path on this site ('/…'): never '//host', '/\\host', a scheme, or any of these encoded.

    Django's url_has_allowed_host_and_scheme already refuses //evil.example, /\\evil.example and
    https://evil.example, but accepts /%2F%2Fevil.example (a local path to Django that some proxies and
    redirect chains decode into //evil.example). Here every decoded form must be a plain local path.
    """
    if not url or not url.startswith("/"):
        return False
    forms = [url]
    for _ in range(_DECODE_ROUNDS):
        decoded = unquote(forms[-1])
        if decoded == forms[-1]:
            break
        forms.append(decoded)
    for form in forms:
        if not form.startswith("/") or form.startswith("//") or "\\" in form:
            return False
        # Browsers drop tabs and newlines inside URLs ("/\t/evil.example" becomes "//evil.example").
        if any(ord(char) < 0x20 or ord(char) == 0x7F for char in form):
            return False
        parts = urlsplit(form)
        if parts.scheme or parts.netloc:
            return False
        if not url_has_allowed_host_and_scheme(form, allowed_hosts=None):
            return False
    return True
