from django.apps import AppConfig


class KooperationConfig(AppConfig):
    name = "kooperation"
    verbose_name = "Kooperation"
