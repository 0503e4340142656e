from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "kaiku.audit"
    label = "audit"
