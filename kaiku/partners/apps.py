from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "kaiku.partners"
    label = "partners"

    def ready(self) -> None:
        from kaiku.partners import services  # noqa: F401  (connects end_access to site_offboarded)
