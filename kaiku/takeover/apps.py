from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TakeoverConfig(AppConfig):
    name = "kaiku.takeover"
    label = "takeover"
    verbose_name = _("Taking over an existing register")
