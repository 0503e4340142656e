from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "kaiku.outreach"
    label = "outreach"
