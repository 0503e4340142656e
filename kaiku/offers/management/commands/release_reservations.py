from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from kaiku.offers.services import expire_started_reservations


class Command(BaseCommand):
    help = (
        "Mark reservations of started occurrences as released. They already stopped holding a place at the "
        "start; this only tidies their status (run it e.g. hourly)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = expire_started_reservations()
        self.stdout.write(f"Released {count} reservations.")
