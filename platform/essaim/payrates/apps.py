from django.apps import AppConfig


class PayratesConfig(AppConfig):
    name = "essaim.payrates"
    label = "payrates"
    verbose_name = "Barèmes de paie"
