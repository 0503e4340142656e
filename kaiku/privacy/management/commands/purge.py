"""Apply the national retention settings (docs/privacy.md). Run daily from cron."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from kaiku.privacy.retention import RULES, due_counts, purge


class Command(BaseCommand):
    help = "Reduce or delete personal data past its retention period. Idempotent; audited."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Print what would be done; change nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        dry = options["dry_run"]
        counts = due_counts() if dry else purge()
        prefix = "Would change" if dry else "Changed"
        for rule in RULES:
            self.stdout.write(f"{prefix} {counts[rule.key]}: {rule.description}")
        if not dry and not any(counts.values()):
            self.stdout.write("Nothing was due.")
