"""Back up the embedded SQLite setup into one archive (docs/deploy.md, Backups)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kaiku.privacy.backup import BackupError, backup


class Command(BaseCommand):
    help = "Copy the live SQLite database (online backup API), the signing key and the secret key into one archive."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--output",
            default=str(settings.BASE_DIR / "var" / "backups"),
            help="Archive file, or a directory to write kaiku-backup-<time>.tar.gz into (default var/backups/).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        target = Path(options["output"])
        if not target.suffix and not target.exists():
            target.mkdir(parents=True)
        try:
            path, names = backup(target)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Wrote {path}: {', '.join(names)}")
