from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "tenants.support"
    label = "support"
    verbose_name = "Accompagnement"

    def ready(self) -> None:
        from tenants.people.person_data import person_data_register

        from .person_data import SupportPersonData

        person_data_register(SupportPersonData())
