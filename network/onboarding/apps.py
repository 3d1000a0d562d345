from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    name = "network.onboarding"
    label = "onboarding"
    verbose_name = "Essaimage : création de nouvelles CAE"
