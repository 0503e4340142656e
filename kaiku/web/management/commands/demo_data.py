from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kaiku.network.models import Area
from kaiku.visits.models import Use
from kaiku.web.demo import populate_all, refuse_outside_development, save_logins


class Command(BaseCommand):
    help = "Load the demo data set (three areas, sites, cards, uses, one login per role)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when the database has areas.")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, **options: Any) -> None:
        refuse_outside_development()
        if options["if_empty"] and Area.objects.exists():
            self.stdout.write("The database already has data; demo data not loaded.")
            return
        started = time.perf_counter()
        ctx = populate_all(seed=options["seed"])
        save_logins(ctx)
        uses = Use.objects.count()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data loaded in {time.perf_counter() - started:.0f} s: {len(ctx.areas)} areas, "
                f"{len(ctx.venues)} venues, {len(ctx.distributors)} distributor sites, {len(ctx.cards)} cards, "
                f"{uses} uses, {len(ctx.logins)} logins (`manage.py demo_logins`)."
            )
        )
