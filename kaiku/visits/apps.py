from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "kaiku.visits"
    label = "visits"
