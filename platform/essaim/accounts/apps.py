from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "essaim.accounts"
    label = "accounts"
    verbose_name = "Comptes"

    def ready(self) -> None:
        from . import signals  # noqa: F401
