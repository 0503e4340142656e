from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from kaiku.offers import images
from kaiku.offers.models import Offer


class Command(BaseCommand):
    help = (
        "Make the catalogue's thumbnail for offers whose picture was uploaded before thumbnails existed. "
        "Running it again does nothing for offers that have one."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        made = failed = 0
        for offer in Offer.objects.exclude(image="").filter(thumbnail="").only("pk", "image", "thumbnail"):
            try:
                with offer.image.open("rb") as source:
                    prepared = images.prepare(source, offer.image.size)
            except (images.ImageError, OSError) as exc:
                failed += 1
                self.stderr.write(f"offer {offer.pk}: {getattr(exc, 'code', 'unreadable')}")
                continue
            offer.thumbnail.save(prepared.thumbnail.name, prepared.thumbnail, save=False)
            Offer.objects.filter(pk=offer.pk).update(thumbnail=offer.thumbnail.name)
            made += 1
        self.stdout.write(f"{made} thumbnails made, {failed} pictures could not be read.")
