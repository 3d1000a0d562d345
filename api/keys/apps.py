from django.apps import AppConfig


class KeysConfig(AppConfig):
    name = "api.keys"
    label = "apikeys"
    verbose_name = "Clés d'API"

    def ready(self) -> None:
        from . import schema  # noqa: F401  (registers the OpenAPI description of key auth)
