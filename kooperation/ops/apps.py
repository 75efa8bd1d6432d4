from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running on several machines: the outgoing-mail log, background tasks, job locks, health checks."""

    name = "kooperation.ops"
    label = "ops"
    verbose_name = "Betrieb"
