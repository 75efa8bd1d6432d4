"""Signing in and out with `next=` limited to paths on this site."""

from __future__ import annotations

from django.contrib.auth import views as auth_views

from kooperation.core.redirects import is_local_path


class LocalRedirectMixin:
    """Django's RedirectURLMixin, but `next` must also pass is_local_path (no encoded //host, no backslash)."""

    def get_redirect_url(self):
        url = super().get_redirect_url()
        return url if is_local_path(url) else ""


class LoginView(LocalRedirectMixin, auth_views.LoginView):
    pass


class LogoutView(LocalRedirectMixin, auth_views.LogoutView):
    pass
