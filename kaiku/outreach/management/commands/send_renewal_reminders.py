"""Daily (cron): remind consenting holders 30 days before their card expires (docs/deploy.md)."""

from typing import Any

from django.core.management.base import BaseCommand

from kaiku.outreach.services import send_renewal_reminders


class Command(BaseCommand):
    help = "Remind holders who allowed it, in the portal and by e-mail, 30 days before their card expires."

    def handle(self, *args: Any, **options: Any) -> None:
        made = send_renewal_reminders()
        self.stdout.write(f"{made} renewal reminders")
