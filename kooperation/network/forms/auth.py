"""Account forms that differ from Django's defaults."""

from __future__ import annotations

from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Also reach invited accounts that have not set a password yet (expired invitation link)."""

    def get_users(self, email):
        return get_user_model()._default_manager.filter(email__iexact=email.strip(), is_active=True)
