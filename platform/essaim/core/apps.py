from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "essaim.core"
    label = "core"
    verbose_name = "Essaim"

    def ready(self):
        from .validators import install_control_character_validators

        # Second in INSTALLED_APPS: before any other app of the project is ready, and before the
        # admin's autodiscovery imports the admin forms (see the function's docstring).
        install_control_character_validators()
