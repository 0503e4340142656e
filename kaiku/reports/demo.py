"""Demo reports data: last year's population for the network's municipalities, demand, ticket values."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kaiku.reports.demand import count_refused_registration
from kaiku.reports.models import Population
from kaiku.reports.municipalities import official


def populate(ctx: Any) -> None:
    rng = ctx.rng
    year = ctx.today.year - 1
    # Illustrative figures, not Statistics Finland's: a plausible size for each demo municipality.
    Population.objects.bulk_create(
        Population(
            municipality_code=code,
            year=year,
            total=(total := rng.randrange(8_000, 250_000)),
            aged_16_plus=int(total * 0.84),
            at_risk_of_poverty=int(total * 0.12),
        )
        for code in sorted(ctx.municipalities)
    )
    outside = [code for code in official() if code not in ctx.municipalities]
    for code in rng.sample(outside, 5):
        for _ in range(rng.randrange(1, 9)):
            count_refused_registration(code, on=ctx.today)
    for offer in ctx.offers[::3]:
        offer.ticket_value = Decimal(rng.choice([12, 15, 18, 25, 32]))
        offer.save(update_fields=["ticket_value"])
