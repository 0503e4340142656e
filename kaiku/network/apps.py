from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "kaiku.network"
    label = "network"
