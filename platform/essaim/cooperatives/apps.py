from django.apps import AppConfig


class CooperativesConfig(AppConfig):
    name = "essaim.cooperatives"
    label = "cooperatives"
    verbose_name = "Coopératives"
