from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "kaiku.portal"
    label = "portal"
