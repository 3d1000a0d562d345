from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    name = "network.onboarding"
    label = "onboarding"
    verbose_name = "Essaimage : création de nouvelles CAE"

    def ready(self) -> None:
        from essaim.ui.context import register_public_navigation

        from .navigation import public_entries

        register_public_navigation(public_entries)
