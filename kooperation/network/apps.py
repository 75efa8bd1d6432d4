from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "kooperation.network"
    label = "network"
    verbose_name = _("Netzwerk")

    def ready(self) -> None:
        # Registering with auditlog needs the model classes, which exist only once apps are ready.
        from auditlog.registry import auditlog

        from kooperation.network import models

        unversioned = ["version", "updated_at"]
        for model in (models.Institution, models.Contact, models.Offer, models.Leader, models.Membership):
            auditlog.register(model, exclude_fields=unversioned)
        auditlog.register(
            models.User, include_fields=["email", "first_name", "last_name", "is_active", "is_administration"]
        )
