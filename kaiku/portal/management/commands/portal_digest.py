from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from kaiku.portal.digest import send_digests


class Command(BaseCommand):
    help = "E-mail the weekly tips to holders who asked for them (and consented to e-mail). Run daily or weekly."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = send_digests()
        self.stdout.write(f"Tip e-mails sent: {sent}")
