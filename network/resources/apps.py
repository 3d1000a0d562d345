from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    name = "network.resources"
    label = "resources"
    verbose_name = "Ressources et groupes de travail du réseau"
