from django.apps import AppConfig


class CardsConfig(AppConfig):
    name = "kaiku.cards"
    label = "cards"
