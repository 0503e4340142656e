from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kaiku.network.onboarding import send_training_reminders


class Command(BaseCommand):
    help = "Remind each partner's contact, once a year, to train new staff. Safe to run daily from cron."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, default=None, help="The reminder year (default: this year).")

    def handle(self, *args: Any, **options: Any) -> None:
        sent = send_training_reminders(options["year"])
        self.stdout.write(f"Training reminders sent: {sent}")
