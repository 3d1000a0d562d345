from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "essaim.audit"
    label = "audit"
    verbose_name = "Journal d'audit"
