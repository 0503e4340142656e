"""The card rollups follow card facts, uses and voids, and the dashboards read the same numbers from them.

Random registrations, renewals, uses and voids on random days (not in date order);
then the incremental ``CardRollup``, the card-years and the card fact flags are
compared with what they mean, derived here from ``CardFact`` and ``CardYear``, and
with a rebuild; and every card figure of the dashboards and the yearly table is
compared with the fact-table path.
"""

import datetime as dt
import random
from collections import Counter, defaultdict
from zoneinfo import ZoneInfo

import pytest

from kaiku.cards.models import Card
from kaiku.cards.services import CardError, HolderDetails, register_card, register_community_card, renew_card
from kaiku.stats import intake, queries
from kaiku.stats.facts import rebuild_card_rollup
from kaiku.stats.intake import rebuild_derived
from kaiku.stats.models import CardFact, CardRollup, CardYear, UseFact
from kaiku.stats.periods import months_between
from kaiku.stats.queries import Filters, StatsScope, yearly_rows
from kaiku.stats.tests.helpers import use
from kaiku.visits.services import void_use

pytestmark = pytest.mark.django_db

HELSINKI = ZoneInfo("Europe/Helsinki")


def _random_history(world, clock, seed, steps=90):
    """Cards registered and renewed (some several times a year), used and voided, on random days."""
    rng = random.Random(seed)
    start = dt.date(2025, 1, 1)
    sites = [world.distributor_a, world.distributor_b, world.distributor_l]
    munis = [world.muni_a, world.muni_b, world.muni_l]
    venues = [world.venue_a, world.venue_b, world.venue_l]
    actor = world.users["distributor"]
    cards: list[Card] = [world.card_a, world.card_b, world.card_l]
    uses = []
    # In date order, so that cards are used while valid; a few steps go back in time.
    days = sorted(start + dt.timedelta(days=rng.randrange(530)) for _ in range(steps))  # to mid-June 2026
    for i in rng.sample(range(steps), steps // 10):
        days[i] -= dt.timedelta(days=rng.randrange(200))
    for day in days:
        clock.move_to(dt.datetime(day.year, day.month, day.day, 12, tzinfo=HELSINKI))
        step = rng.random()
        if step < 0.2:
            site = rng.choice(sites)
            if rng.random() < 0.2:
                cards.append(register_community_card(site, "Ryhmä", actor).card)
            else:
                details = HolderDetails(birth_year=rng.choice([1950, 1990, 2005]), municipality=rng.choice(munis),
                                        postal_code="33100")  # fmt: skip
                try:  # a pilot site registers only its own residents
                    cards.append(register_card(site, details, actor).card)
                except CardError:
                    pass
        elif step < 0.4:
            try:
                renew_card(rng.choice(cards), actor)
            except CardError:
                pass
        elif step < 0.92:
            card = rng.choice(cards)
            home = {v.area_id: v for v in venues}[card.site.area_id]
            uses.append(use(world, card, home if rng.random() < 0.7 else rng.choice(venues)))
        else:
            counted = [u for u in uses if u.outcome == "accepted" and u.voided_at is None]
            if counted:
                victim = rng.choice(counted)
                void_use(victim, "typo", None)
                victim.refresh_from_db()
    # Make sure some card has several facts in one year, used and not used.
    for card, used in ((cards[-1], True), (cards[-2], False)):
        for month in (3, 9):
            clock.move_to(dt.datetime(2025, month, 10, 12, tzinfo=HELSINKI))
            renew_card(card, actor)
        if used:
            use(world, card, world.venue_a)


def _card_rollup():
    rows = CardRollup.objects.exclude(facts=0, used=0).values_list(
        "year",
        "month",
        "day",
        "kind",
        "card_site_key",
        "card_area_key",
        "site_municipality_key",
        "card_kind",
        "facts",
        "used",
    )
    return sorted(rows)


def _flags():
    return sorted(CardFact.objects.values_list("pk", "used", "shared_year"))


def _expected():
    """The card rollups and flags by their definitions, from the card facts and card-years."""
    used_years = set(CardYear.objects.values_list("card_key", "year"))
    per_card_year = Counter(CardFact.objects.values_list("card_key", "year"))
    rollup: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    flags = []
    for f in CardFact.objects.all():
        used = (f.card_key, f.year) in used_years
        for day in (0, f.day.day):  # the month's row and the day's
            key = (f.year, f.month, day, f.kind, f.card_site_id or 0, f.card_area_id or 0, f.site_municipality_id or 0,
                   f.card_kind)  # fmt: skip
            rollup[key][0] += 1
            rollup[key][1] += used
        flags.append((f.pk, used, f.card_key is None or per_card_year[(f.card_key, f.year)] > 1))
    return sorted((*k, *v) for k, v in rollup.items()), sorted(flags)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_card_rollups_equal_their_definition_incrementally_and_after_a_rebuild(world, _clock, seed):
    _random_history(world, _clock, seed)
    assert CardFact.objects.filter(shared_year=True).exists()
    assert CardFact.objects.filter(used=True).exists() and CardFact.objects.filter(used=False).exists()
    assert UseFact.objects.filter(voided=True).exists()
    incremental = (_card_rollup(), _flags())
    assert incremental == _expected()
    rebuild_card_rollup()
    assert (_card_rollup(), _flags()) == incremental
    rebuild_derived()
    assert (_card_rollup(), _flags()) == incremental


def _card_numbers(scope, filters):
    """A dashboard's card numbers, as ``queries.dashboard`` reads them (without its other tables,
    which cost nine tenths of its time here): registrations and renewals by month, the cards
    issued and of them used, and the cards used."""
    intake.current()
    by_month, issued, used = queries._card_figures(scope, filters)
    cards_used = queries._cards_used(scope, filters, filters.apply_uses(scope.uses()).counted())
    months = [by_month.get(ym, [0, 0]) for ym in months_between(filters.start, filters.end)]
    return months, {"cards_issued": issued, "cards_issued_used": used, "cards_used": cards_used}


def _slow_cards_used(scope, filters, counted):
    return counted.exclude(card_key=None).values("card_key").distinct().count()


PERIODS = [
    (dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
    (dt.date(2026, 1, 1), dt.date(2026, 6, 30)),
    (dt.date(2026, 1, 1), dt.date(2026, 6, 15)),  # the default: this year so far
    (dt.date(2025, 3, 1), dt.date(2025, 9, 30)),
    (dt.date(2025, 9, 1), dt.date(2025, 9, 30)),
    (dt.date(2025, 1, 15), dt.date(2025, 12, 31)),
    (dt.date(2025, 3, 5), dt.date(2025, 9, 20)),
    (dt.date(2025, 9, 5), dt.date(2025, 9, 20)),
    (dt.date(2025, 6, 1), dt.date(2026, 5, 31)),  # two calendar years: distinct counts from the facts
    (dt.date(2025, 1, 1), dt.date(2026, 12, 31)),
    (dt.date(2025, 11, 20), dt.date(2026, 2, 10)),
    (dt.date(2025, 12, 20), dt.date(2026, 1, 10)),  # within a month on both sides: cards used from the facts
]


@pytest.mark.parametrize("seed", [4, 5])
def test_the_dashboards_read_the_same_card_numbers_from_the_rollup_as_from_the_facts(world, _clock, monkeypatch, seed):
    _random_history(world, _clock, seed)
    scopes = [
        StatsScope("national", threshold=None),
        StatsScope("area", area=world.area_a, threshold=None),
        StatsScope("area", area=world.area_b),
        StatsScope("site", site=world.distributor_a),
        StatsScope("site", site=world.distributor_l),
    ]
    extra = [{}, {"area": world.area_b}, {"municipality": world.muni_a}, {"card_kind": Card.Kind.COMMUNITY}]
    compared = 0
    for scope in scopes:
        for start, end in PERIODS:
            for kwargs in extra:
                filters = Filters(start, end, **kwargs)
                rolled = queries._cards_from_rollup(scope, filters)
                assert rolled is not None
                assert (rolled[1] is not None) == (start.year == end.year)
                fast = _card_numbers(scope, filters)
                with monkeypatch.context() as patched:
                    patched.setattr(queries, "_cards_from_rollup", lambda *a: None)
                    patched.setattr(queries, "_cards_used", _slow_cards_used)
                    slow = _card_numbers(scope, filters)
                assert fast == slow, (scope.level, start, end, kwargs)
                compared += fast[1]["cards_issued"] > 0
    assert compared > 20  # most comparisons have cards in them


def test_the_yearly_table_counts_cards_taken_into_use_as_the_card_years_do(world, _clock):
    _random_history(world, _clock, 6)
    assert CardYear.objects.values("year").distinct().count() == 2
    used = set(CardYear.objects.values_list("card_key", "year"))
    for scope in (StatsScope("national", threshold=None), StatsScope("area", area=world.area_a)):
        registered = scope.card_facts().filter(kind="registered")
        expected = Counter(
            year for card_key, year in registered.values_list("card_key", "year") if (card_key, year) in used
        )
        rows = yearly_rows(scope)
        assert any(row.taken_into_use for row in rows)
        assert {row.year: row.taken_into_use for row in rows} == {
            year: expected[year] for year in {r.year for r in rows}
        }


def test_card_facts_without_a_card_key_count_as_one_card_as_in_the_facts(world, monkeypatch):
    for month in (2, 2, 5):
        CardFact.objects.create(kind="registered", day=dt.date(2026, month, 3), year=2026, month=month)
    register_card(world.distributor_a, HolderDetails(1990, world.muni_a, "33100"), world.users["distributor"])
    rebuild_card_rollup()
    scope, filters = StatsScope("national", threshold=None), Filters(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    fast = _card_numbers(scope, filters)
    assert fast[1]["cards_issued"] == 2
    monkeypatch.setattr(queries, "_cards_from_rollup", lambda *a: None)
    assert _card_numbers(scope, filters) == fast


def test_a_card_taken_into_use_and_voided_moves_its_registration_in_and_out_of_used(world):
    issued = register_card(world.distributor_a, HolderDetails(1990, world.muni_a, "33100"), world.users["distributor"])

    def counts():
        row = CardRollup.objects.get(year=2026, month=6, day=0, kind="registered", card_site_key=world.distributor_a.pk)
        years = CardYear.objects.filter(year=2026, card_site=world.distributor_a).count()
        return row.facts, row.used, years, CardFact.objects.get(card_key=issued.card.pk).used

    assert counts() == (1, 0, 0, False)
    first = use(world, issued.card, world.venue_a)
    second = use(world, issued.card, world.venue_a)
    assert counts() == (1, 1, 1, True)
    void_use(first, "typo", None)
    assert counts() == (1, 1, 1, True)  # the second use still counts
    void_use(second, "typo", None)
    assert counts() == (1, 0, 0, False)
    use(world, issued.card, world.venue_a)
    assert counts() == (1, 1, 1, True)


def test_a_batch_of_uses_keeps_the_card_rollups_as_single_uses_do(world):
    from kaiku.visits.models import Channel
    from kaiku.visits.services import UseRequest, record_uses

    actor = world.users["distributor"]
    cards = [
        register_card(world.distributor_a, HolderDetails(1990, world.muni_a, "33100"), actor).card for _ in range(3)
    ]
    use(world, cards[0], world.venue_a)  # taken into use before the batch
    requests = [
        UseRequest(
            venue=world.venue_a,
            number=getattr(card, "number", card),
            channel=Channel.SCAN,
            idempotency_key=f"batch-{i}",
        )
        for i, card in enumerate([cards[0], cards[1], cards[1], world.card_a, "AAAA-BBBB-C"])
    ]
    record_uses(requests)
    assert CardFact.objects.filter(used=True).count() == 2  # cards[0] and cards[1]; cards[2] unused
    assert (_card_rollup(), _flags()) == _expected()


def _card_years():
    return sorted(CardYear.objects.values_list("card_key", "year", "card_site_id", "card_area_id"))


def _card_years_expected():
    """The card-years by definition: each card and year with a counted use."""
    counted = UseFact.objects.counted().exclude(card_key=None)
    return sorted(set(counted.values_list("card_key", "year", "card_site_id", "card_area_id")))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_card_years_equal_their_definition_incrementally_and_after_a_rebuild(world, _clock, seed):
    _random_history(world, _clock, seed)
    assert UseFact.objects.filter(voided=True).exists()
    incremental = _card_years()
    assert incremental == _card_years_expected()
    assert len({year for _card, year, *_rest in incremental}) > 1
    rebuild_derived()
    assert _card_years() == incremental


def test_a_batch_of_uses_takes_cards_into_use_as_single_uses_do(world, _clock):
    from kaiku.visits.models import Channel
    from kaiku.visits.services import UseRequest, record_uses

    _clock.move_to(dt.datetime(2026, 7, 5, 12, tzinfo=HELSINKI))
    use(world, world.card_a, world.venue_a)
    requests = [
        UseRequest(venue=venue, number=card.number, channel=Channel.SCAN, idempotency_key=f"days-{i}")
        for i, (card, venue) in enumerate(
            [(world.card_a, world.venue_a), (world.card_a, world.venue_b), (world.card_b, world.venue_b)]
        )
    ]
    record_uses(requests)
    assert _card_years() == _card_years_expected()
    assert CardYear.objects.filter(card_key=world.card_b.pk, year=2026).exists()


def test_a_card_used_before_and_after_a_period_within_a_month_but_not_in_it_is_not_counted(world, _clock, monkeypatch):
    """Its first and last day of use that month enclose the period: the facts tell."""
    for day in (3, 25):
        _clock.move_to(dt.datetime(2026, 9, day, 12, tzinfo=HELSINKI))
        use(world, world.card_a, world.venue_a)
        use(world, world.card_b, world.venue_a)
    _clock.move_to(dt.datetime(2026, 9, 12, 12, tzinfo=HELSINKI))
    use(world, world.card_b, world.venue_a)
    cases = {
        (dt.date(2026, 9, 10), dt.date(2026, 9, 20)): 1,  # card b only
        (dt.date(2026, 9, 1), dt.date(2026, 9, 3)): 2,
        (dt.date(2026, 9, 25), dt.date(2026, 9, 30)): 2,
        (dt.date(2026, 9, 4), dt.date(2026, 9, 11)): 0,
        (dt.date(2026, 9, 1), dt.date(2026, 9, 30)): 2,
        (dt.date(2026, 8, 31), dt.date(2026, 9, 2)): 0,
        (dt.date(2026, 9, 13), dt.date(2026, 10, 31)): 2,
        (dt.date(2026, 9, 26), dt.date(2026, 12, 31)): 0,
    }
    national = StatsScope("national", threshold=None)
    for (start, end), expected in cases.items():
        filters = Filters(start, end)
        assert queries._cards_used(national, filters, filters.apply_uses(national.uses()).counted()) == expected
    for scope in (
        StatsScope("national", threshold=None),
        StatsScope("area", area=world.area_a, threshold=None),
        StatsScope("site", site=world.card_a.site, threshold=None),
    ):
        for start, end in cases:
            filters = Filters(start, end)
            counted = filters.apply_uses(scope.uses()).counted()
            assert queries._cards_used(scope, filters, counted) == _slow_cards_used(scope, filters, counted), (
                scope.level,
                start,
                end,
            )


def test_long_periods_cutting_months_count_the_cards_used_in_them(world):
    """15 January to 20 November and the like: the sector slice's card sets and the facts of the days
    outside whole parts of months count what the facts count."""
    rng = random.Random(11)
    facts = []
    for card_key in range(1, 120):
        for _ in range(rng.choice([1, 1, 2, 3])):
            day = dt.date(2025, 1, 1) + dt.timedelta(days=rng.choice([rng.randrange(365), rng.randrange(20), 330]))
            facts.append(
                UseFact(
                    day=day,
                    year=day.year,
                    month=day.month,
                    card_key=card_key,
                    sector=rng.choice(["culture", "sports", ""]),
                    channel="typed",
                    outcome="accepted",
                    voided=rng.random() < 0.1,
                    venue_area=rng.choice([world.area_a, world.area_b]),
                )
            )
    UseFact.objects.bulk_create(facts)
    rebuild_derived()
    for scope in (StatsScope("national", threshold=None), StatsScope("area", area=world.area_b, threshold=None)):
        for start, end in [
            (dt.date(2025, 1, 15), dt.date(2025, 11, 20)),
            (dt.date(2025, 1, 2), dt.date(2025, 10, 31)),
            (dt.date(2025, 2, 1), dt.date(2025, 12, 30)),
            (dt.date(2025, 3, 5), dt.date(2025, 11, 26)),
        ]:
            filters = Filters(start, end)
            counted = filters.apply_uses(scope.uses()).counted()
            expected = _slow_cards_used(scope, filters, counted)
            assert expected > 10
            assert queries._cards_used(scope, filters, counted) == expected, (scope.level, start, end)
