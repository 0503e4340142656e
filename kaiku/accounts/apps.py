from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kaiku.accounts"
    label = "accounts"

    def ready(self) -> None:
        from kaiku.accounts import lockout  # noqa: F401  (its signal receiver)
