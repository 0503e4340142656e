from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "kaiku.privacy"
    label = "privacy"
