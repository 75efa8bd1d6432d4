from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "kooperation.network"
    label = "network"
    verbose_name = _("Netzwerk")

    def ready(self) -> None:
        # Registering with auditlog and connecting signal receivers needs the model classes,
        # which exist only once apps are ready.
        from auditlog.registry import auditlog
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from kooperation.network import models, signals

        unversioned = ["version", "updated_at"]
        for model in (models.Institution, models.Contact, models.Offer, models.Leader, models.Membership):
            auditlog.register(model, exclude_fields=unversioned)
        auditlog.register(
            models.User, include_fields=["email", "first_name", "last_name", "is_active", "is_administration"]
        )
        user_logged_in.connect(signals.logged_in, dispatch_uid="kooperation_security_login")
        user_login_failed.connect(signals.login_failed, dispatch_uid="kooperation_security_login_failed")
        user_locked_out.connect(signals.locked_out, dispatch_uid="kooperation_security_lockout")
