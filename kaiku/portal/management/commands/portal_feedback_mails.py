from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kaiku.portal.services import send_feedback_requests


class Command(BaseCommand):
    help = "Ask once by e-mail for feedback on recent visits, from holders who consented to e-mail. Run daily."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=7, help="Ask about visits of this many past days.")

    def handle(self, *args: Any, **options: Any) -> None:
        sent = send_feedback_requests(days=options["days"])
        self.stdout.write(f"Feedback e-mails sent: {sent}")
