"""The fact tables follow the register as it changes, and a rebuild derives the same rows."""

import io

import pytest
from django.core.management import call_command

from kaiku.cards.services import HolderDetails, register_card, renew_card
from kaiku.stats import slices
from kaiku.stats.models import YEAR_DIM, AgeBand, CardFact, CardRollup, CardYear, SliceRollup, UseFact
from kaiku.stats.queries import StatsScope, yearly_rows
from kaiku.stats.tests.helpers import add_uses, use
from kaiku.visits.services import void_use

pytestmark = pytest.mark.django_db

SNAPSHOT = [
    "use_id", "day", "year", "month", "venue_id", "venue_area_id", "venue_municipality_id", "card_key", "card_site_id",
    "card_area_id", "card_municipality_id", "age_band", "gender", "card_kind", "sector", "art_form", "adults",
    "children", "community_clients", "assistants", "channel", "outcome", "reason", "voided", "life_situation",
]  # fmt: skip


def _snapshot():
    return sorted(UseFact.objects.values_list(*SNAPSHOT))


def test_it_records_a_fact_for_every_attempt_in_the_same_transaction(world):
    accepted = use(world, world.card_a, world.venue_a, children=1)
    refused = use(world, "AAAA-BBBB-C", world.venue_a)
    fact = UseFact.objects.get(use_id=accepted.pk)
    assert (fact.venue_id, fact.venue_area_id, fact.card_area_id) == (
        world.venue_a.pk,
        world.area_a.pk,
        world.area_a.pk,
    )
    assert (fact.card_municipality_id, fact.age_band, fact.children) == (world.muni_a.pk, AgeBand.FROM_65, 1)
    assert UseFact.objects.get(use_id=refused.pk).outcome == "refused"
    assert UseFact.objects.get(use_id=refused.pk).card_key is None
    assert CardYear.objects.filter(card_key=world.card_a.pk, year=2026).count() == 1


def test_it_holds_no_card_number(world):
    use(world, world.card_a, world.venue_a)
    row = UseFact.objects.values().get()
    assert world.card_a.number not in {str(v) for v in row.values()}


def test_it_follows_a_void_and_drops_the_card_from_taken_into_use(world):
    first = use(world, world.card_a, world.venue_a)
    second = use(world, world.card_a, world.venue_a)
    void_use(first, "typo", world.users["venue_admin"])
    assert UseFact.objects.get(use_id=first.pk).voided
    assert CardYear.objects.filter(card_key=world.card_a.pk).exists()  # the second use still counts
    void_use(second, "typo", world.users["venue_admin"])
    assert not CardYear.objects.filter(card_key=world.card_a.pk).exists()


def test_it_counts_registrations_and_renewals(world):
    details = HolderDetails(birth_year=1990, municipality=world.muni_a, postal_code="33100")
    issued = register_card(world.distributor_a, details, world.users["distributor"])
    renew_card(issued.card, world.users["distributor"])
    kinds = sorted(CardFact.objects.filter(card_key=issued.card.pk).values_list("kind", flat=True))
    assert kinds == ["registered", "renewed"]
    row = yearly_rows(StatsScope("national", threshold=None), [2026])[0]
    assert row.registered == 1


def test_it_rebuilds_the_same_facts(world):
    add_uses(world)
    void_use(world.card_a.uses.filter(outcome="accepted").first(), "typo", None)
    details = HolderDetails(birth_year=1990, municipality=world.muni_a, postal_code="33100")
    register_card(world.distributor_a, details, world.users["distributor"])
    before = (_snapshot(), sorted(CardFact.objects.values_list("kind", "card_key", "day")))
    years_before = sorted(CardYear.objects.values_list("card_key", "year"))
    summaries_before = _summaries()
    assert summaries_before[0] and summaries_before[1]
    UseFact.objects.all().delete()
    out = io.StringIO()
    call_command("rebuild_stats", stdout=out)
    assert "Rebuilt statistics" in out.getvalue()
    assert (_snapshot(), sorted(CardFact.objects.values_list("kind", "card_key", "day"))) == before
    assert sorted(CardYear.objects.values_list("card_key", "year")) == years_before
    # The incremental summaries (with a void subtracted) equal the rebuilt ones.
    assert _summaries() == summaries_before


def _summaries():
    """The yearly table's sources: the unfiltered slice's year rows and the card rollup's month rows."""
    slices.fold()
    uses = SliceRollup.objects.filter(filter="", month=0, dim=YEAR_DIM, uses__gt=0).values_list(
        "year", "venue_area_key", "value", "uses", "adults", "children", "assistants"
    )
    cards = (
        CardRollup.objects.filter(day=0)
        .exclude(facts=0)
        .values_list("year", "month", "kind", "card_area_key", "site_municipality_key", "facts", "used")
    )
    return sorted(uses), sorted(cards)
