from django.apps import AppConfig


class UiConfig(AppConfig):
    name = "essaim.ui"
    label = "ui"
    verbose_name = "Interface"
