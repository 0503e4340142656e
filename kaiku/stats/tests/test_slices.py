"""The slices follow the facts through uses, folds and voids, and a filtered dashboard reads them unchanged."""

import datetime as dt
import itertools
import random
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from kaiku.network.models import Sector
from kaiku.offers.models import ArtForm
from kaiku.offers.tests.factories import OfferFactory
from kaiku.stats import intake, queries, slice_reads, slices
from kaiku.stats.facts import CARD_ROLLUP_KEYS
from kaiku.stats.models import YEAR_DIM, CardFact, CardRollup, PendingFact, SliceCards, SliceRollup, UseFact
from kaiku.stats.queries import Filters, StatsScope, dashboard
from kaiku.stats.slices import ROLLUP_DIMS
from kaiku.stats.tests.helpers import use, vary_holders
from kaiku.stats.tests.test_rollup import _published
from kaiku.visits.models import Channel
from kaiku.visits.services import void_use

pytestmark = pytest.mark.django_db


def _keys(blob: bytes) -> set[int]:
    return set(slices.decode(blob))


def _stored():
    rollup = sorted(
        # A row whose amounts are all zero (a year row whose uses were all voided) says the same as no row.
        SliceRollup.objects.exclude(uses=0, adults=0, children=0, assistants=0, accepted=0, refused=0).values_list(
            *slices.SLICE_KEYS, "uses", "adults", "children", "assistants", "accepted", "refused"
        )
    )
    cards = {}
    for row in SliceCards.objects.values_list(*slices.CARD_KEYS, "cards"):
        keys = _keys(bytes(row[-1]))
        if keys:  # a void may leave a set empty; a rebuild writes none
            cards[tuple(row[:-1])] = keys
    return rollup, cards


def _from_facts():
    """The slices derived here, in Python, from the facts."""
    rows: dict[tuple, list[int]] = defaultdict(lambda: [0] * 6)
    cards: dict[tuple, set[int]] = defaultdict(set)
    for f in UseFact.objects.all():
        counted = f.outcome == "accepted" and not f.voided
        values = [
            "", f.sector, f.art_form, f.card_kind, f.age_band, f.gender,
            "" if f.card_area_id is None else str(f.card_area_id), f.channel, f.reason,
            "" if f.card_municipality_id is None else str(f.card_municipality_id), f.life_situation,
        ]  # fmt: skip
        amounts = [
            int(counted),
            f.adults * counted,
            (f.children + f.community_clients) * counted,
            f.assistants * counted,
            int(f.outcome == "accepted"),
            int(f.outcome == "refused"),
        ]
        area = f.venue_area_id or 0
        part = (f.day.day - 1) // 5 * 5 + 1  # 1, 6, 11, 16, 21, 26 or 31
        four = [f.sector, f.art_form, f.card_kind, f.channel]
        if counted:  # the unfiltered slice's year row
            sums = rows[("", "", f.year, 0, 0, area, YEAR_DIM, f"{f.venue_municipality_id or ''}:{f.sector}")]
            for i, amount in enumerate(amounts[:4]):
                sums[i] += amount
        for name, fvalue in [("", ""), *zip(slices.FILTERS, four, strict=True), ("*", "|".join(four))]:
            if name == "":
                # The unfiltered slice: month and day rows at the venue's area, and at every area's (-1)
                # without the cross-area table's.
                places = [(0, area, True), (f.day.day, area, True), (0, -1, False), (f.day.day, -1, False)]
            elif name == "*":
                # The combined slice: month rows at the venue's area; month and part rows at every
                # area's (-1), without the cross-area table's.
                places = [(0, area, True), (0, -1, False), (part, -1, False)]
            else:
                places = [(0, area, True), (part, area, True)]
            for day, key_area, cross in places:
                for dim, value in zip(ROLLUP_DIMS, values, strict=True):
                    if dim == "card_area" and not cross:
                        continue
                    sums = rows[(name, fvalue, f.year, f.month, day, key_area, dim, value)]
                    for i, amount in enumerate(amounts):
                        sums[i] += amount
            if counted and f.card_key is not None and name != "":
                for month, day in ((0, 0), (f.month, 0), (f.month, part)):
                    for key_area in (area, -1):  # the venue's area, and every area's
                        if day and name == "*" and key_area != -1:
                            continue  # the combined slice's parts: every area's only
                        cards[(name, fvalue, f.year, month, day, key_area)].add(f.card_key)
    return sorted((*key, *sums) for key, sums in rows.items()), dict(cards)


@pytest.fixture
def offers(world):
    """Offers of several art forms and sectors at each venue, and none (no art form)."""
    out = {}
    for venue in (world.venue_a, world.venue_b, world.venue_l):
        out[venue.pk] = [
            None,
            OfferFactory(venue=venue, art_form=ArtForm.THEATRE),
            OfferFactory(venue=venue, art_form=ArtForm.MUSIC, sector=Sector.EDUCATION),
            OfferFactory(venue=venue, art_form=ArtForm.SPORTS, sector=Sector.SPORTS),
        ]
    return out


def _random_uses(world, offers, rng, n=30, fold_sometimes=True):
    vary_holders(world)
    done = []
    for _ in range(n):
        card, venue = rng.choice(
            [
                (world.card_a, world.venue_a),
                (world.card_a, world.venue_b),
                (world.card_b, world.venue_a),
                (world.card_b, world.venue_b),
                (world.card_l, world.venue_l),
                (world.card_l, world.venue_a),  # a local-only card elsewhere: refused
                ("AAAA-BBBB-C", world.venue_b),  # malformed: refused
            ]
        )
        offer = rng.choice(offers[venue.pk])
        done.append(
            use(
                world,
                card,
                venue,
                offer=offer,
                children=rng.choice([0, 0, 1, 9]),  # 9: too many, refused
                channel=rng.choice([Channel.TYPED, Channel.SCAN]),
            )
        )
        if rng.random() < 0.3:
            victim = rng.choice(done)
            if victim.outcome == "accepted" and victim.voided_at is None:
                void_use(victim, "typo", None)  # a pending fact or a folded one
                victim.refresh_from_db()
        if fold_sometimes and rng.random() < 0.2:
            slices.fold()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_folded_slices_equal_the_facts_after_uses_and_voids_and_after_a_rebuild(world, offers, _clock, seed):
    rng = random.Random(seed)
    for day in (dt.date(2026, 6, 29), dt.date(2026, 7, 2), dt.date(2026, 7, 9)):
        _clock.move_to(dt.datetime(day.year, day.month, day.day, 12, tzinfo=timezone.get_current_timezone()))
        _random_uses(world, offers, rng)
    assert UseFact.objects.filter(voided=True).exists()
    assert UseFact.objects.values("art_form").distinct().count() >= 3
    assert UseFact.objects.values("sector").distinct().count() >= 3
    slices.fold()
    assert not PendingFact.objects.exists()
    folded = _stored()
    assert folded == _from_facts()
    slices.rebuild_slices()
    assert _stored() == folded


def _runs(positions: list[int]) -> int:
    """How many ascending runs a sequence makes."""
    return 1 + sum(b < a for a, b in itertools.pairwise(positions))


def _runs_in_key_order(model, keys) -> int:
    """The ascending runs of the key order (the database's) that a table's rows make in the order written."""
    order = {pk: i for i, pk in enumerate(model.objects.order_by(*keys).values_list("pk", flat=True))}
    return _runs([order[pk] for pk in model.objects.order_by("pk").values_list("pk", flat=True)])


def test_a_rebuild_writes_each_statements_rows_in_key_order(world, offers, _clock):
    # The rows a dashboard reads together then share pages of the table.
    rng = random.Random(4)
    for day in (dt.date(2026, 6, 29), dt.date(2026, 7, 2), dt.date(2026, 7, 20), dt.date(2026, 8, 3)):
        _clock.move_to(dt.datetime(day.year, day.month, day.day, 12, tzinfo=timezone.get_current_timezone()))
        _random_uses(world, offers, rng, n=20, fold_sometimes=False)
    for _ in range(40):  # registrations and renewals at two sites
        day = dt.date(2026, rng.randint(1, 12), rng.randint(1, 28))
        site = rng.choice([world.distributor_a, world.distributor_b])
        CardFact.objects.create(
            kind=rng.choice(["registered", "renewed"]),
            day=day,
            year=day.year,
            month=day.month,
            card_site=site,
            card_area=site.area,
            card_kind=rng.choice(["personal", "community"]),
        )
    postgres = connection.vendor == "postgresql"
    if postgres:  # hash aggregates, which leave their groups in no particular order
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_sort = off")
    intake.rebuild_derived()
    # At most one run per statement: the card rollup's one for the day rows and one for the month
    # rows; the slices' one for the unfiltered slice's year rows, one per dimension of its day rows,
    # then one per dimension (on SQLite one per dimension and slice, at each area and at every area)
    # and one for the month rows.
    filtered = len(ROLLUP_DIMS) * (1 if postgres else len(slices.FILTERS) + 2)
    statements = {
        CardRollup: (CARD_ROLLUP_KEYS, 2),
        SliceRollup: (slices.SLICE_KEYS, 1 + len(ROLLUP_DIMS) + filtered + 1),
    }
    for model, (keys, most) in statements.items():
        assert model.objects.count() > 2 * most, model
        assert _runs_in_key_order(model, keys) <= most, model
    # The card sets are written from Python: each month's parts, its months, and at the end its year.
    cells = list(SliceCards.objects.order_by("pk").values_list(*slices.CARD_KEYS))
    months = UseFact.objects.values("year", "month").distinct().count()
    assert len(cells) > 10 * months
    assert _runs([sorted(cells).index(cell) for cell in cells]) <= 2 * months + 1


def test_a_use_waits_until_it_is_folded_and_the_fold_batches_are_whole(world, offers):
    for _ in range(5):
        use(world, world.card_a, world.venue_a, offer=offers[world.venue_a.pk][1])
    assert PendingFact.objects.count() == 5
    assert not SliceRollup.objects.exists()
    assert slices.fold(batch=2) == 5  # three transactions: 2 + 2 + 1
    assert not PendingFact.objects.exists()
    assert _stored() == _from_facts()
    assert slices.fold() == 0


def test_voiding_a_folded_use_takes_its_card_out_only_where_it_has_no_other_use(world, offers, _clock):
    theatre = offers[world.venue_a.pk][1]
    first = use(world, world.card_a, world.venue_a, offer=theatre)
    _clock.move_to(dt.datetime(2026, 7, 10, 12, tzinfo=timezone.get_current_timezone()))
    second = use(world, world.card_a, world.venue_a, offer=theatre)
    slices.fold()
    void_use(second, "typo", None)
    _, cards = _stored()
    year = first.used_on.year
    area = world.venue_a.area_id
    cell = ("art_form", "theatre", year, 0, 0, area)
    assert cards[cell] == {world.card_a.pk}  # still used that year (the first use)
    assert ("art_form", "theatre", year, 7, 6, area) not in cards  # the voided part's set (6-10 July) is empty
    assert ("*", "culture|theatre|personal|typed", year, 7, 0, area) not in cards  # and the combined slice's month
    assert _stored() == _from_facts()


def _recording(function, calls):
    def recorded(*args, **kwargs):
        calls.append(args)
        return function(*args, **kwargs)

    return recorded


@pytest.mark.parametrize("level", ["national", "area"])
def test_a_filtered_dashboard_reads_the_same_numbers_from_the_slices_as_from_the_facts(
    world, offers, _clock, monkeypatch, level
):
    rng = random.Random(11)
    # From the cards' registration (15 June 2026, the tests' today) into the next year.
    for day in sorted(dt.date(2026, 6, 15) + dt.timedelta(days=rng.randrange(250)) for _ in range(7)):
        _clock.move_to(dt.datetime(day.year, day.month, day.day, 12, tzinfo=timezone.get_current_timezone()))
        _random_uses(world, offers, rng, n=10, fold_sometimes=False)  # the dashboard folds what waits
    scope = StatsScope(level, area=world.area_a if level == "area" else None, threshold=None)
    periods = [
        (dt.date(2026, 1, 1), dt.date(2026, 12, 31)),  # a whole year: the year's card sets, no fact read
        (dt.date(2026, 6, 1), dt.date(2026, 11, 30)),  # whole months: no fact read
        (dt.date(2026, 6, 20), dt.date(2026, 10, 20)),  # whole months, whole parts and a day (from the facts)
        (dt.date(2026, 6, 16), dt.date(2026, 10, 25)),  # whole months and whole parts: no fact read
        (dt.date(2026, 8, 5), dt.date(2026, 9, 2)),  # parts of months and days only
        (dt.date(2026, 8, 7), dt.date(2026, 8, 9)),  # a few days within one part
        (dt.date(2026, 12, 10), dt.date(2027, 2, 10)),  # over New Year
        (dt.date(2026, 1, 1), dt.date(2027, 12, 31)),  # two whole years
    ]
    chosen = [
        {"sector": Sector.CULTURE},
        {"sector": Sector.SPORTS},
        {"art_form": ArtForm.THEATRE},
        {"art_form": ArtForm.MUSIC},
        {"card_kind": "personal"},
        {"channel": Channel.SCAN},
        {"sector": Sector.CULTURE, "channel": Channel.TYPED},  # two or more filters: the combined slice
        {"art_form": ArtForm.THEATRE, "card_kind": "personal"},
        {"sector": Sector.SPORTS, "art_form": ArtForm.SPORTS, "channel": Channel.SCAN},
        {"sector": Sector.CULTURE, "art_form": "", "card_kind": "personal", "channel": Channel.SCAN},
    ]
    seen = 0
    for start, end in periods:
        for kwargs in chosen:
            for area in (None, world.area_b) if level == "national" else (None,):
                filters = Filters(start, end, area=area, **kwargs)
                assert slice_reads.answers(scope, filters) is not None
                # Parts of months: every slice but the combined one at one area's venues.
                one_area = area is not None or level == "area"
                cut = slice_reads.pieces(start, end, parts=len(kwargs) == 1 or not one_area)
                read_pairs = []
                with monkeypatch.context() as patched:
                    if not cut.days:

                        def no_facts(*args, **kwargs):
                            raise AssertionError("the use facts were read")

                        patched.setattr(queries, "_use_tables", no_facts)
                    patched.setattr(queries, "_pairs_of_days", _recording(queries._pairs_of_days, read_pairs))
                    sliced = _published(*dashboard(scope, filters))
                # The cross-area table's parts of months are read from the facts for the combined
                # slice's national dashboard of every area only.
                assert len(read_pairs) == (len(kwargs) > 1 and not one_area and bool(cut.parts)), (start, end, kwargs)
                with monkeypatch.context() as patched:
                    patched.setattr(slice_reads, "answers", lambda *a, **kw: None)
                    assert sliced == _published(*dashboard(scope, filters)), (start, end, kwargs, area)
                seen += sliced[1]["uses"] > 0 and sliced[1]["cards_used"] > 0
    assert seen > 40  # most views have uses to compare


def test_two_filters_read_the_combined_slice_and_a_municipality_or_a_site_the_facts(world):
    start, end = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
    national = StatsScope("national", threshold=None)
    assert slice_reads.answers(national, Filters(start, end, sector="culture")) == ("sector", ["culture"])
    name, values = slice_reads.answers(national, Filters(start, end, sector="culture", channel="scan"))
    # Every art form (and none) with every card kind (and none).
    assert name == "*" and len(values) == len(slices.FILTER_VALUES["art_form"]) * len(slices.FILTER_VALUES["card_kind"])
    assert "culture|music|personal|scan" in values and "culture||personal|scan" in values
    assert all(v.startswith("culture|") and v.endswith("|scan") for v in values)
    assert (
        slice_reads.answers(national, Filters(start, end, sector="culture", municipality=world.venue_a.municipality))
        is None
    )
    assert (
        slice_reads.answers(StatsScope("site", site=world.distributor_a), Filters(start, end, sector="culture")) is None
    )
    assert slice_reads.answers(national, Filters(start, end)) == slice_reads.EVERY_USE == ("", [""])
    assert (
        slice_reads.answers(national, Filters(start, end), unfiltered=slice_reads.EVERY_CARD) == slice_reads.EVERY_CARD
    )


def test_the_combined_slice_gives_an_area_its_own_rows_and_the_nation_the_rows_of_every_area(world, offers):
    _random_uses(world, offers, random.Random(5), n=20, fold_sometimes=False)
    slices.fold()
    chosen = slice_reads.answers(
        StatsScope("national", threshold=None),
        Filters(dt.date(2026, 1, 1), dt.date(2026, 12, 31), sector="culture", channel="scan"),
    )
    assert chosen is not None and chosen[0] == slices.COMBINED
    cut = slice_reads.pieces(dt.date(2026, 6, 1), dt.date(2026, 12, 31))
    national = slice_reads.rollup(chosen, cut, None)
    one_area = slice_reads.rollup(chosen, cut, world.area_a.pk)
    assert national.filter(venue_area_key=slices.EVERY_AREA).exists() and one_area.exists()
    # Each area's rows only, which the caller narrows to its area: never the sums of every area's.
    assert not one_area.filter(venue_area_key=slices.EVERY_AREA).exists()
    # Nationally, the rows of every area, and each area's only for the cross-area table.
    assert set(national.exclude(venue_area_key=slices.EVERY_AREA).values_list("dim", flat=True)) == {"card_area"}


@settings(max_examples=200, deadline=None)
@given(
    start=st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2026, 12, 31)),
    length=st.integers(min_value=0, max_value=500),
)
def test_the_pieces_of_a_period_cover_each_of_its_days_once_and_leave_at_most_four_at_each_end(start, length):
    end = start + dt.timedelta(days=length)
    cut = slice_reads.pieces(start, end)
    days: list[dt.date] = []
    if cut.whole is not None:
        (y0, m0), (y1, m1) = cut.whole
        day = dt.date(y0, m0, 1)
        while (day.year, day.month) <= (y1, m1):
            days.append(day)
            day += dt.timedelta(days=1)
    for year, month, first in cut.parts:
        assert first in range(1, 32, slices.PART_DAYS)
        day = dt.date(year, month, first)
        while day.month == month and day.day < first + 5:
            days.append(day)
            day += dt.timedelta(days=1)
    left_over = []
    for first, last in cut.days:
        assert first <= last
        left_over += [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    days += left_over
    assert sorted(days) == [start + dt.timedelta(days=i) for i in range(length + 1)]
    assert len(cut.days) <= 2
    assert len(left_over) <= 8  # at most four days at each end (one range when they touch)


def test_the_fold_command_folds_what_waits(world, offers):
    use(world, world.card_a, world.venue_a)
    call_command("fold_stats")
    assert not PendingFact.objects.exists()
    assert _stored() == _from_facts()


@settings(max_examples=60, deadline=None)
@given(keys=st.sets(st.integers(min_value=0, max_value=2**32 - 1), max_size=300))
def test_an_encoded_set_decodes_to_its_keys(keys):
    assert _keys(slices.encode(keys)) == keys


@pytest.mark.parametrize("seed", [4, 5])
def test_open_data_by_home_municipality_from_the_slices_equals_the_counted_facts(world, offers, _clock, seed):
    """Open data by the holder's home municipality reads the sector slice's month rows; it folds
    what waits first and counts as the facts do: voided uses out, community clients as children."""
    rng = random.Random(seed)
    for day in (dt.date(2026, 6, 29), dt.date(2026, 7, 2)):
        _clock.move_to(dt.datetime(day.year, day.month, day.day, 12, tzinfo=timezone.get_current_timezone()))
        _random_uses(world, offers, rng)
    assert UseFact.objects.filter(voided=True).exists()
    assert PendingFact.objects.exists()  # what is not folded yet counts too
    want: dict[tuple[int, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for fact in UseFact.objects.counted().exclude(card_municipality=None).select_related("card_municipality"):
        sums = want[(fact.year, fact.card_municipality.code, fact.sector)]
        sums[0] += fact.adults
        sums[1] += fact.children + fact.community_clients
    got = {
        (r["year"], r["municipality_code"], r["sector"]): [int(r["adult_uses"]), int(r["child_uses"])]
        for r in queries.open_data(1, by="home")
        if r["adult_uses"] != "0" or r["child_uses"] != "0"
    }
    assert got == dict(want)
    assert len({code for _year, code, _sector in got}) >= 2
    assert queries.open_data(1, [2026], by="home") == queries.open_data(1, by="home")
    assert queries.open_data(1, [2025], by="home") == []
