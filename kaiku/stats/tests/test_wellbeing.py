"""The wellbeing change (registration to first renewal) is read through the statistics' read path."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from kaiku.network.models import NationalSettings
from kaiku.stats.queries import wellbeing_change


def test_wellbeing_change_is_an_aggregate_above_the_threshold(world):
    from kaiku.cards.tests.factories import CardFactory
    from kaiku.portal.models import WellbeingAnswer

    threshold = NationalSettings.get().small_count_threshold
    day = timezone.localdate()
    cards = [CardFactory(site=world.distributor_a, municipality=world.muni_a) for _ in range(threshold)]
    for i, card in enumerate(cards):
        WellbeingAnswer.objects.create(card=card, occasion="registration", period_start=day, mood=2, rest=i % 2)
        if i < threshold - 1:
            WellbeingAnswer.objects.create(
                card=card, occasion="renewal", period_start=day + dt.timedelta(days=365), mood=4, rest=3
            )
    assert wellbeing_change() is None  # one card short of the threshold
    WellbeingAnswer.objects.create(
        card=cards[-1], occasion="renewal", period_start=day + dt.timedelta(days=365), mood=4, rest=3
    )
    result = wellbeing_change()
    assert result["cards"] == threshold
    assert result["questions"]["mood"] == {"registration": 2, "renewal": 4, "change": 2}
    assert result["questions"]["energy"]["change"] is None
    assert wellbeing_change(threshold=0)["cards"] == threshold
