from django.apps import AppConfig


class OffersConfig(AppConfig):
    name = "kaiku.offers"
    label = "offers"
