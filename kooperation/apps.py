from django.apps import AppConfig


class KooperationConfig(AppConfig):
    name = "kooperation"
    verbose_name = "Kooperation"

    def ready(self) -> None:
        from kooperation.core import choices

        choices.install()
