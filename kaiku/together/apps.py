from django.apps import AppConfig


class TogetherConfig(AppConfig):
    name = "kaiku.together"
    label = "together"
