from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kaiku.network.models import Area
from kaiku.web.demo import populate_all


class Command(BaseCommand):
    help = "Load the demo data set (three areas, sites, cards, uses, one login per role)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when the database has areas.")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Area.objects.exists():
            self.stdout.write("The database already has data; demo data not loaded.")
            return
        ctx = populate_all(seed=options["seed"])
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded: {len(ctx.cards)} cards, {len(ctx.venues)} venues."))
