"""State-changing operations: validate, write atomically, log, raise a DomainError with a German message."""

from agreements.services.network import absolute_url, send_invitation, set_institution_active, set_user_active

__all__ = ["absolute_url", "send_invitation", "set_institution_active", "set_user_active"]
