"""Keep sessions that lack a required second factor away from everything but the enrolment page."""

from __future__ import annotations

from django.contrib import auth
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse

from kooperation.network import twofactor

# Pages a signed-in user who still has to set up a second factor may open.
_OPEN_URL_NAMES = ("two_factor_enrol", "logout", "set_language")


class SecondFactorMiddleware:
    """A signed-in session is either verified with a second factor or password-only.

    The sign-in views set the state. A password-only session whose user must now use a second
    factor (a Leitung role granted meanwhile) may only open the enrolment page; a session without
    any state whose user has a second factor (it did not come through the code step) is ended.
    Verified sessions cost no query here.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and request.session.get(twofactor.SESSION_STATE) != twofactor.VERIFIED:
            response = self._gate(request, user)
            if response is not None:
                return response
        return self.get_response(request)

    def _gate(self, request, user):
        state = request.session.get(twofactor.SESSION_STATE)
        if state != twofactor.PASSWORD_ONLY and twofactor.has_second_factor(user):
            auth.logout(request)
            return redirect_to_login(request.get_full_path())
        if not twofactor.requires_second_factor(user):
            if state != twofactor.PASSWORD_ONLY:
                request.session[twofactor.SESSION_STATE] = twofactor.PASSWORD_ONLY
            return None
        if state == twofactor.PASSWORD_ONLY and twofactor.has_second_factor(user):
            # Set up in another session since this one signed in: sign in again with the code.
            auth.logout(request)
            return redirect_to_login(request.get_full_path())
        if request.path in {reverse(name) for name in _OPEN_URL_NAMES}:
            return None
        return redirect("two_factor_enrol")
