from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from kaiku.portal.demo import DEMO_ACTIVATION_CODE, demo_card
from kaiku.web.demo import refuse_outside_development


class Command(BaseCommand):
    help = "Print the demo holder's card number and activation code for signing in to /portal/."

    def handle(self, *args: Any, **options: Any) -> None:
        refuse_outside_development()
        card = demo_card()
        if card is None:
            self.stdout.write("No demo holder: load the demo data with `manage.py demo_data`.")
            return
        self.stdout.write(f"Holder portal /portal/: card {card.display_number}, activation code {DEMO_ACTIVATION_CODE}")
