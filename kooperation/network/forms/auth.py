"""Account forms that differ from Django's defaults."""

from __future__ import annotations

from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model

from kooperation.network import throttle
from kooperation.network.security import Kind, record


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Also reach invited accounts that have not set a password yet (expired invitation link).

    Mails are limited per address and per IP address and hour; the page after it looks the same
    whether a mail went out, the address is unknown or the limit was reached.
    """

    def get_users(self, email):
        return get_user_model()._default_manager.filter(email__iexact=email.strip(), is_active=True)

    def save(self, *args, request=None, **kwargs):
        address = self.cleaned_data["email"].strip().lower()
        user = get_user_model()._default_manager.filter(email__iexact=address).first()
        if request is not None and not throttle.allow_reset_mail(request, address):
            record(
                Kind.PASSWORD_RESET_MAIL,
                user=user,
                request=request,
                login_name=address,
                detail="gedrosselt, keine E-Mail",
            )
            return
        record(Kind.PASSWORD_RESET_MAIL, user=user, request=request, login_name=address)
        super().save(*args, request=request, **kwargs)
