from django.apps import AppConfig


def _on_received(flow):
    """The transport's inbound listener (tenants/einvoicing): a supplier invoice has arrived."""
    from .reception import on_received

    return on_received(flow)


class PurchasesConfig(AppConfig):
    name = "tenants.purchases"
    label = "purchases"
    verbose_name = "Achats"

    def ready(self):
        from tenants.einvoicing.services import register_inbound_listener

        register_inbound_listener(_on_received)
