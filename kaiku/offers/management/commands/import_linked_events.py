from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kaiku.network.models import Site
from kaiku.offers.linked_events import LinkedEventsError, import_events, load


class Command(BaseCommand):
    help = (
        "Create or update a venue's offers from Linked Events JSON (a saved API page, a list of events or one "
        "event). Re-running updates by event id; each event is imported or reported on its own."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="A JSON file, or - for standard input")
        parser.add_argument("--venue", type=int, required=True, help="The venue's id")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            venue = Site.objects.select_related("area").get(pk=options["venue"], kind=Site.Kind.VENUE)
        except Site.DoesNotExist:
            raise CommandError(f"No venue with id {options['venue']}.") from None
        path = options["path"]
        try:
            text = self.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")  # type: ignore[attr-defined]
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from None
        try:
            result = import_events(load(text), venue, actor="import_linked_events")
        except LinkedEventsError as exc:
            lines = "\n".join(f"  - {p}" for p in exc.problems)
            raise CommandError(f"Nothing was imported. The file has problems:\n{lines}") from None
        summary = ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in result.as_dict().items())
        self.stdout.write(self.style.SUCCESS(f"Imported into {venue}: {summary}"))
        if result.problems:
            lines = "\n".join(f"  - {p}" for p in result.problems)
            self.stdout.write(self.style.WARNING(f"Not imported:\n{lines}"))
