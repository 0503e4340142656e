from django.apps import AppConfig


class PendingConfig(AppConfig):
    name = "kaiku.pending"
    label = "pending"
