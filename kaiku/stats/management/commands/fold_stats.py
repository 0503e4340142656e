"""Fold the use facts recorded since the last fold into the filtered dashboards' slices."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kaiku.stats import intake
from kaiku.stats.slices import fold


class Command(BaseCommand):
    help = (
        "Count the register's changes since the last fold (uses, voids, registrations, renewals) and fold "
        "the new use facts into the slices that the national and area dashboards read under a sector, "
        "art form, card kind or channel filter. Every statistic folds what waits before it reads, "
        "so this only keeps that wait short: run it every few minutes (cron, a systemd timer), or with "
        "--every to keep running."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=float, default=0, help="fold again every so many seconds, until stopped")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            began = time.perf_counter()
            changes = intake.fold()
            folded = fold()
            if changes or folded or not options["every"]:
                took = (time.perf_counter() - began) * 1000
                self.stdout.write(
                    f"Counted {changes} changes of the register; folded {folded} use facts in {took:.0f} ms."
                )
            if not options["every"]:
                return
            time.sleep(options["every"])
