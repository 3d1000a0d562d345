from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "network.stats"
    label = "stats"
    verbose_name = "Statistiques du réseau"
