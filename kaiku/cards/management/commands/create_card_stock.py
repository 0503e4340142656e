"""Generate pre-printed card stock: N unregistered card numbers for a distributor site."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kaiku.cards.services import CardError, create_stock
from kaiku.network.models import Site


class Command(BaseCommand):
    help = "Create N unregistered card numbers for a distributor site and print them for the card printer."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--site", type=int, required=True, help="The distributor site's id.")
        parser.add_argument("--count", type=int, required=True, help="How many numbers (1-10000).")

    def handle(self, *args: Any, **options: Any) -> None:
        count = options["count"]
        if not 1 <= count <= 10000:
            raise CommandError("--count must be between 1 and 10000.")
        try:
            site = Site.objects.select_related("area").get(pk=options["site"])
        except Site.DoesNotExist:
            raise CommandError(f"No site has the id {options['site']}.") from None
        try:
            cards = create_stock(site, count, actor="create_card_stock")
        except CardError as exc:
            raise CommandError(f"{site}: {exc.code}") from None
        for card in sorted(cards, key=lambda c: c.number):
            self.stdout.write(card.display_number)
        self.stderr.write(f"{len(cards)} card numbers created for {site} (site {site.pk}).")
