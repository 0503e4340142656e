from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "kaiku.stats"
    label = "stats"
