"""Rebuild the statistics fact tables from the register (uses and card events)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from kaiku.stats.intake import rebuild


class Command(BaseCommand):
    help = "Throw the statistics fact tables away and derive them again from uses and card events."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = rebuild()
        self.stdout.write(
            f"Rebuilt statistics: {counts['uses']} uses, {counts['card_events']} card registrations and renewals, "
            f"{counts['cards_taken_into_use']} cards taken into use by year."
        )
