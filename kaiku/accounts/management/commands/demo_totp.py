"""Print the current second-factor code of the demo logins (development only)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from kaiku.accounts.demo import demo_totp_code


class Command(BaseCommand):
    help = "Print the code an authenticator app with the demo logins' key shows now (valid for 30 seconds)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(demo_totp_code())
