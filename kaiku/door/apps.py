from django.apps import AppConfig


class DoorConfig(AppConfig):
    name = "kaiku.door"
    label = "door"
