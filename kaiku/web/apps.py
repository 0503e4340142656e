from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "kaiku.web"
    label = "web"

    def ready(self) -> None:
        from kaiku.web import checks  # noqa: F401  (registers the deploy checks)
