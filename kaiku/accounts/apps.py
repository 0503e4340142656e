from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kaiku.accounts"
    label = "accounts"
