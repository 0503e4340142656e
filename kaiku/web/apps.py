from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "kaiku.web"
    label = "web"
