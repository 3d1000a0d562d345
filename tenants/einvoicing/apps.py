from django.apps import AppConfig


class EinvoicingConfig(AppConfig):
    name = "tenants.einvoicing"
    label = "einvoicing"
    verbose_name = "Facturation électronique"
