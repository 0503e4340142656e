from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "kaiku.partners"
    label = "partners"
