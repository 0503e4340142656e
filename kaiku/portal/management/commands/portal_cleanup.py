from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from kaiku.portal.services import clean_up


class Command(BaseCommand):
    help = "Delete sign-in attempts older than 90 days and spent or expired sign-in links. Run daily."

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = clean_up()
        self.stdout.write(f"Deleted {deleted['attempts']} sign-in attempts and {deleted['links']} sign-in links.")
