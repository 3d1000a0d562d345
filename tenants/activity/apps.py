from django.apps import AppConfig


class ActivityConfig(AppConfig):
    name = "tenants.activity"
    label = "activity"
    verbose_name = "Activité : clients et factures"

    def ready(self) -> None:
        # What the e-invoicing transport reads back (statuses, refusals) reaches the invoices.
        from .emission import listeners_register

        listeners_register()
