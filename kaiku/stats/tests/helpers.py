"""Test data for statistics: real uses through the visits service, or bulk fact rows."""

from __future__ import annotations

import itertools
from typing import Any

from kaiku.visits.models import Channel
from kaiku.visits.services import UseRequest, record_use

_keys = itertools.count(1)


def use(world: Any, card: Any, venue: Any, **kwargs: Any) -> Any:
    req = UseRequest(
        venue=venue,
        number=card.number if hasattr(card, "number") else card,
        channel=kwargs.pop("channel", Channel.TYPED),
        idempotency_key=f"stats-test-{next(_keys)}",
        **kwargs,
    )
    return record_use(req).use


def add_uses(world: Any) -> None:
    """A few uses in tenant A: own cards, a card from area B, children, a refusal."""
    for i in range(7):
        done = use(world, world.card_a, world.venue_a, children=1)
        if i < 2:  # two feedback answers: a small count everywhere but the national view
            from kaiku.portal.models import Feedback

            Feedback.objects.create(use=done, score=4, went_with_someone=True)
    for _ in range(2):
        use(world, world.card_b, world.venue_a)
    use(world, world.card_a, world.venue_b)
    use(world, "AAAA-BBBB-C", world.venue_a)  # malformed: a refused attempt
    use(world, world.card_a, world.venue_a, children=9)  # too many children: refused


def vary_holders(world: Any) -> None:
    """Give the world's cards life situations, and card B a home outside its issuing site's area."""
    for card, situation in ((world.card_a, "student"), (world.card_b, "pensioner")):
        card.life_situation = situation
        card.save(update_fields=["life_situation"])
    world.card_b.municipality = world.muni_a
    world.card_b.save(update_fields=["municipality"])
