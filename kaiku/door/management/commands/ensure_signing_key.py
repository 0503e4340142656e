"""Create the card signing key file when it is missing (never overwrites a key)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from kaiku.door import keys


class Command(BaseCommand):
    help = "Create the Ed25519 key that signs card codes, if there is none, and register its public key."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.CARD_SIGNING_KEY:
            self.stdout.write("CARD_SIGNING_KEY is set; no key file needed.")
        else:
            path = Path(settings.CARD_SIGNING_KEY_FILE)
            created = keys.ensure_key_file(path)
            self.stdout.write(f"{'Created' if created else 'Kept'} the card signing key {path}")
        key = keys.current()
        self.stdout.write(f"Signing with key id {key.key_id:04x}")
