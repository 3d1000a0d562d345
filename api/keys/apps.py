from django.apps import AppConfig


class KeysConfig(AppConfig):
    name = "api.keys"
    label = "apikeys"
    verbose_name = "Clés d'API"
