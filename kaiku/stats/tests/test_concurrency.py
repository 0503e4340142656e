"""A renewal and the card's first use of the year at the same moment keep the card rollups right."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from kaiku.cards.services import renew_card
from kaiku.stats.models import CardFact, CardYear
from kaiku.stats.tests.test_card_rollup import _card_rollup, _expected, _flags
from kaiku.visits.models import Channel
from kaiku.visits.services import UseRequest, record_use


@pytest.mark.django_db(transaction=True)
def test_a_renewal_during_the_first_use_of_the_year_sees_the_card_as_used(world):
    # The use's transaction takes the card into use for the year and stays open; the
    # renewal starts meanwhile. Without a common lock the renewal's fact would read
    # "not used" (the card-year is not committed yet) and the use's update of the
    # year's facts would not see the renewal's fact: a registration never counted as used.
    card = world.card_a
    assert not CardYear.objects.filter(card_key=card.pk).exists()
    taken, renewal_done, errors = threading.Event(), threading.Event(), []

    def use_then_wait():
        try:
            with transaction.atomic():
                record_use(
                    UseRequest(venue=world.venue_a, number=card.number, channel=Channel.SCAN, idempotency_key="first")
                )
                taken.set()
                # Hold the transaction open while the renewal tries to run.
                renewal_done.wait(1.0)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    def renew():
        try:
            assert taken.wait(10)
            renew_card(card, None)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            renewal_done.set()
            connection.close()

    threads = [threading.Thread(target=use_then_wait), threading.Thread(target=renew)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    renewal = CardFact.objects.get(card_key=card.pk, kind=CardFact.Kind.RENEWED)
    assert renewal.used, "the renewal was not counted as a card taken into use"
    assert (_card_rollup(), _flags()) == _expected()
