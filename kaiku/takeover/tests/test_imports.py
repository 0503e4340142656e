import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from kaiku.cards import numbers
from kaiku.cards.models import Card, CardEvent
from kaiku.pending.models import PendingStat
from kaiku.stats.models import UseFact
from kaiku.stats.queries import StatsScope, yearly_rows
from kaiku.takeover import imports
from kaiku.takeover.models import MobileOnlyCard, MonthlyCount, SiteMapping, TakeoverRun
from kaiku.takeover.reading import ExportError, read_export
from kaiku.takeover.tests.exports import (
    CARD_HEADER,
    MONTHLY_HEADER,
    USE_HEADER,
    card_row,
    csv_bytes,
)
from kaiku.visits.models import Channel, Use

NATIONAL = StatsScope("national", threshold=None)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def cards_export(rows, with_old_id=False):
    return read_export(csv_bytes([*CARD_HEADER, "old_id"] if with_old_id else CARD_HEADER, rows))


def test_it_checks_a_dry_run_without_writing_and_imports_all_rows_with_their_origin(world):
    rows = [
        card_row("AAA1", email="holder@example.org", email_consent="yes", gender="woman"),
        card_row("AAA2", kind="community", birth_year="", postal_code="", municipality="", children=""),
        card_row("AAA3", status="inactive", life_situation="Student"),
    ]
    dry = imports.import_cards(cards_export(rows), filename="old.csv")
    assert (dry.ok, dry.committed, dry.created) == (True, False, 3)
    assert not Card.objects.filter(number__startswith="AAA").exists()
    assert not TakeoverRun.objects.exists()

    done = imports.import_cards(cards_export(rows), filename="old.csv", commit=True)
    assert (done.committed, done.created, done.updated, done.unchanged) == (True, 3, 0, 0)
    personal = Card.objects.get(number="AAA1")
    assert personal.site == world.distributor_a
    assert (personal.registered_on, personal.issued_on) == (dt.date(2024, 3, 1), dt.date(2024, 3, 1))
    assert personal.valid_until == dt.date(2027, 3, 1)
    assert (personal.portal_consent, personal.email, personal.gender) == (True, "holder@example.org", "woman")
    assert Card.objects.get(number="AAA2").kind == Card.Kind.COMMUNITY
    assert Card.objects.get(number="AAA2").municipality == world.distributor_a.municipality
    assert Card.objects.get(number="AAA3").status == Card.Status.INACTIVE
    assert Card.objects.get(number="AAA3").life_situation == "student"
    event = CardEvent.objects.get(card=personal)
    assert event.kind == CardEvent.Kind.REGISTERED
    assert event.details["takeover"] == "old.csv"
    assert event.details["given_on"] == "2024-03-01"
    # The registrations count in their own year's statistics.
    assert yearly_rows(NATIONAL, [2024])[0].registered == 3


def test_a_rerun_changes_nothing_and_a_changed_row_updates_its_card(world):
    rows = [card_row("BBB1"), card_row("BBB2")]
    imports.import_cards(cards_export(rows), commit=True)
    again = imports.import_cards(cards_export(rows), commit=True)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert CardEvent.objects.filter(card__number__startswith="BBB").count() == 2
    assert yearly_rows(NATIONAL, [2024])[0].registered == 2

    rows[1] = card_row("BBB2", postal_code="33200")
    changed = imports.import_cards(cards_export(rows), filename="v2.csv", commit=True)
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 1)
    assert Card.objects.get(number="BBB2").postal_code == "33200"
    corrected = CardEvent.objects.get(card__number="BBB2", kind=CardEvent.Kind.CORRECTED)
    assert corrected.details == {"takeover": "v2.csv", "fields": ["postal_code"]}
    assert yearly_rows(NATIONAL, [2024])[0].registered == 2


@pytest.mark.parametrize(
    ("override", "column", "message"),
    [
        ({"birth_year": "2015"}, "Birth year", "must turn 16"),
        ({"municipality": "999"}, "Home municipality", "No municipality"),
        ({"postal_code": "331"}, "Postal code", "postal code"),
        ({"email": "holder@example.org"}, "E-mail consent", "consent"),
        ({"registered_on": "31.2.2024"}, "Registration date", "2019-05-31"),
        ({"kind": "family"}, "Kind", "personal or community"),
        ({"status": "lost"}, "Status", "active or inactive"),
        ({"gender": "x"}, "Gender", "choices"),
        ({"valid_until": "2023-01-01"}, "Valid until", "before it was registered"),
    ],
)
def test_one_bad_row_imports_nothing_and_names_its_row_and_column(world, override, column, message):
    rows = [card_row(), card_row(), card_row(**override), card_row()]
    summary = imports.import_cards(cards_export(rows), commit=True)
    assert not summary.committed
    assert [(e.row, e.column) for e in summary.errors] == [(4, column)]
    assert message.lower() in summary.errors[0].message.lower()
    assert Card.objects.count() == 4  # the world's own cards only
    assert not TakeoverRun.objects.exists()


def test_errors_are_in_the_users_language(world):
    rows = [card_row(birth_year="2015")]
    with translation.override("fi"):
        summary = imports.import_cards(cards_export(rows))
    assert summary.errors[0].column == "Syntymävuosi"


def test_a_repeated_number_is_an_error(world):
    summary = imports.import_cards(cards_export([card_row("DUP1"), card_row("dup1")]), commit=True)
    assert [(e.row, e.column) for e in summary.errors] == [(3, "Card number")]
    assert "row 2" in summary.errors[0].message


def test_unmatched_sites_are_listed_saved_and_once_mapped_import(world):
    rows = [card_row(site="Vanha toimisto"), card_row(site=f"#{world.distributor_b.pk}")]
    summary = imports.import_cards(cards_export(rows), commit=True)
    assert summary.unmatched == ["Vanha toimisto"]
    assert not summary.committed
    saved = SiteMapping.objects.get(key="vanha toimisto")
    assert saved.site is None
    assert SiteMapping.objects.get(key=f"#{world.distributor_b.pk}").site == world.distributor_b

    imports.map_site(saved, world.distributor_a, None)
    summary = imports.import_cards(cards_export(rows), commit=True)
    assert (summary.committed, summary.created) == (True, 2)


def test_a_file_without_a_required_column_is_refused(world):
    with pytest.raises(ExportError) as caught:
        imports.import_cards(read_export(csv_bytes(["number", "site"], [["A", "B"]])))
    assert caught.value.code == "missing_columns"


def _uses_export(rows):
    return read_export(csv_bytes(USE_HEADER, rows))


# Kaiku numbers: past uses go through record_use's number rules (legacy numbers come with their formats).
U1, U2, R1 = (numbers.generate() for _ in range(3))


def test_past_uses_are_recorded_through_the_import_channel_and_counted(world):
    imports.import_cards(
        cards_export(
            [card_row(U1), card_row(U2, kind="community", birth_year="", postal_code="", municipality="", children="")]
        ),
        commit=True,
    )
    rows = [
        [U1, "2024-05-02", "Tampereen Teatteri", "2", "", "", ""],
        [U1, "2024-05-02", "Tampereen Teatteri", "2", "", "", ""],  # a second visit the same day
        [U1, "1.6.2025", "Tampereen Teatteri", "0", "", "1", "sports"],
        [U2, "2025-01-10", "Tampereen Teatteri", "", "5", "", ""],
    ]
    summary = imports.import_uses(_uses_export(rows), filename="uses.csv", commit=True)
    assert (summary.committed, summary.created) == (True, 4)
    uses = Use.objects.filter(channel=Channel.IMPORT).order_by("used_on", "pk")
    assert [u.used_on for u in uses] == [
        dt.date(2024, 5, 2),
        dt.date(2024, 5, 2),
        dt.date(2025, 1, 10),
        dt.date(2025, 6, 1),
    ]
    assert all(u.accepted and u.late and u.recorded_via == "takeover uses.csv" for u in uses)
    by_year = {r.year: r for r in yearly_rows(NATIONAL, [2024, 2025])}
    y2024, y2025 = by_year[2024], by_year[2025]
    assert (y2024.taken_into_use, sum(y2024.adult), sum(y2024.child)) == (1, 2, 4)
    # Both cards were registered in 2024: taken into use counts a card in its registration year only.
    assert (y2025.registered, y2025.taken_into_use) == (0, 0)
    assert y2025.adult[3] == 1  # sports

    with CaptureQueriesContext(connection) as queries:
        again = imports.import_uses(_uses_export(rows), commit=True)
    assert (again.created, again.unchanged) == (0, 4)
    # Known in one query per batch: no use is tried again against the unique key.
    assert not any('INSERT INTO "visits_use"' in q["sql"] for q in queries.captured_queries)
    assert Use.objects.filter(channel=Channel.IMPORT).count() == 4
    assert yearly_rows(NATIONAL, [2024])[0] == y2024


def test_a_card_inactivated_since_keeps_its_past_uses(world):
    number = numbers.generate()
    imports.import_cards(cards_export([card_row(number, status="inactive")]), commit=True)
    rows = [[number, "2024-05-02", "Tampereen Teatteri", "0", "", "", ""]]
    assert imports.import_uses(_uses_export(rows), commit=True).created == 1
    assert Card.objects.get(number=number).status == Card.Status.INACTIVE
    assert Use.objects.get(card__number=number).accepted


def test_a_past_use_the_register_would_refuse_imports_nothing(world):
    imports.import_cards(cards_export([card_row(R1)]), commit=True)
    rows = [
        [R1, "2024-05-02", "Tampereen Teatteri", "0", "", "", ""],
        [R1, "2024-02-01", "Tampereen Teatteri", "0", "", "", ""],  # before the card was registered
        [R1, "2024-05-03", "Tampereen Teatteri", "3", "", "", ""],  # more children than registered
        ["ZZZ99", "2024-05-03", "Tampereen Teatteri", "0", "", "", ""],  # a declared format, no such card
    ]
    summary = imports.import_uses(_uses_export(rows), commit=True)
    assert not summary.committed
    assert [(e.row, e.column) for e in summary.errors] == [(3, "Date"), (4, "Children"), (5, "Card number")]
    assert not Use.objects.filter(channel=Channel.IMPORT).exists()
    # A number of no declared format is refused as the row is read, before any rule.
    rows.append(["NOPE", "2024-05-03", "Tampereen Teatteri", "0", "", "", ""])
    summary = imports.import_uses(_uses_export(rows), commit=True)
    assert [(e.row, e.column, e.message) for e in summary.errors] == [
        (6, "Card number", "The number is neither a Kaiku card number nor of a declared legacy format.")
    ]
    assert not Use.objects.filter(channel=Channel.IMPORT).exists()


def test_monthly_counts_import_and_a_rerun_updates_the_month(world):
    rows = [["Tampereen Teatteri", "2019-05", "", "120", "30"], ["Tampereen Teatteri", "6/2019", "sports", "4", ""]]
    dry = imports.import_monthly(read_export(csv_bytes(MONTHLY_HEADER, rows)))
    assert (dry.committed, dry.created) == (False, 2)
    assert not MonthlyCount.objects.exists() and not _monthly_pending()
    summary = imports.import_monthly(read_export(csv_bytes(MONTHLY_HEADER, rows)), commit=True)
    assert (summary.committed, summary.created) == (True, 2)
    may = MonthlyCount.objects.get(month=dt.date(2019, 5, 1))
    assert (may.venue, may.sector, may.adult_uses, may.child_uses) == (world.venue_a, "culture", 120, 30)
    # The statistics count each month when the import ends (issue 24: current at its end).
    assert not _monthly_pending()
    facts = _monthly_facts()
    assert sorted(facts.values()) == [(4, 0), (120, 30)]
    assert _sports_and_culture_2019() == (120 + 4, 30)

    rows[0][3] = "125"
    again = imports.import_monthly(read_export(csv_bytes(MONTHLY_HEADER, rows)), commit=True)
    assert (again.created, again.updated, again.unchanged) == (0, 1, 1)
    assert MonthlyCount.objects.get(month=dt.date(2019, 5, 1)).adult_uses == 125
    refolded = _monthly_facts()
    # Only the changed month's fact was replaced; the statistics read the new count.
    assert [pk for pk in refolded if pk not in facts] == [pk for pk, f in refolded.items() if f == (125, 30)]
    assert _sports_and_culture_2019() == (125 + 4, 30)
    imports.import_monthly(read_export(csv_bytes(MONTHLY_HEADER, rows)), commit=True)
    assert _monthly_facts() == refolded


def _monthly_pending():
    return list(PendingStat.objects.filter(kind=PendingStat.Kind.MONTHLY).values_list("ref", flat=True))


def _monthly_facts():
    rows = UseFact.objects.filter(monthly_id__isnull=False).values_list("pk", "adults", "children")
    return {pk: (adults, children) for pk, adults, children in rows}


def _sports_and_culture_2019():
    [row] = yearly_rows(StatsScope("national", threshold=None), [2019])
    return sum(row.adult), sum(row.child)


def test_a_monthly_count_beyond_what_the_statistics_hold_is_refused(world):
    rows = [["Tampereen Teatteri", "2019-05", "", "32768", ""], ["Tampereen Teatteri", "2019-06", "", "32767", "0"]]
    with translation.override("en"):
        summary = imports.import_monthly(read_export(csv_bytes(MONTHLY_HEADER, rows)), commit=True)
    assert [(e.row, e.column, e.message) for e in summary.errors] == [
        (2, "Adult uses", "Write a whole number from 0 to 32767.")
    ]
    assert not MonthlyCount.objects.exists()


def test_monthly_counts_refuse_this_month_and_repeats(world):
    rows = [
        ["Tampereen Teatteri", "2026-06", "", "1", ""],
        ["Tampereen Teatteri", "2019-05", "", "1", ""],
        ["Tampereen Teatteri", "2019-05-01", "", "2", ""],
    ]
    summary = imports.import_monthly(read_export(csv_bytes(MONTHLY_HEADER, rows)), commit=True)
    assert [(e.row, e.column) for e in summary.errors] == [(2, "Month"), (4, "Month")]
    assert not MonthlyCount.objects.exists()


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"number;site\n", "empty"),
        (b"PK\x03\x04broken", "not_a_spreadsheet"),
        (b"a" * 10, "empty"),
    ],
)
def test_a_broken_file_gives_a_reason(data, code):
    with pytest.raises(ExportError) as caught:
        read_export(data)
    assert caught.value.code in {code, "unreadable"}


def test_the_size_is_bounded():
    with pytest.raises(ExportError) as caught:
        read_export(b"x" * 101, max_bytes=100)
    assert caught.value.code == "too_large"


def test_formulas_are_refused(world):
    summary = imports.import_cards(cards_export([card_row(postal_code="=1+1")]))
    assert [(e.row, e.column) for e in summary.errors] == [(2, "Postal code")]


# Folded change by change (a small run), or derived again from the register (a large one).
@pytest.mark.parametrize("rebuild_from", [imports.REBUILD_FROM, 1])
def test_the_statistics_after_an_import_equal_those_rebuilt_from_the_register(world, monkeypatch, rebuild_from):
    from kaiku.privacy.tests.stats_snapshot import snapshot
    from kaiku.stats.intake import rebuild

    monkeypatch.setattr(imports, "REBUILD_FROM", rebuild_from)

    nums = [numbers.generate() for _ in range(6)]
    rows = [
        card_row(nums[0]),
        card_row(nums[1], registered_on="2025-02-01", children="0", gender="man"),
        card_row(nums[2], kind="community", birth_year="", postal_code="", municipality="", children=""),
        card_row(nums[3], site="Kuopion Klubitalo", municipality="297", registered_on="2023-06-01"),
        card_row(nums[4], status="inactive"),
        card_row(nums[5], registered_on="2025-12-30"),
    ]
    imports.import_cards(cards_export(rows), commit=True)
    uses = [
        [nums[0], "2024-05-02", "Tampereen Teatteri", "1", "", "", ""],
        [nums[0], "2025-05-02", "Kuopion museo", "0", "", "1", "science"],
        [nums[1], "2025-03-01", "Tampereen Teatteri", "0", "", "", ""],
        [nums[2], "2024-04-01", "Tampereen Teatteri", "", "4", "", ""],
        [nums[3], "2024-01-01", "Kuopion museo", "2", "", "", ""],
        [nums[4], "2024-12-31", "Tampereen Teatteri", "0", "", "", ""],
    ]
    assert imports.import_uses(_uses_export(uses), commit=True).created == 6
    # A card registered in Kaiku the ordinary way after the import.
    imports.import_cards(cards_export([card_row(numbers.generate(), registered_on="2025-03-01")]), commit=True)
    before = snapshot()
    rebuild()
    assert snapshot() == before


def test_an_xlsx_export_with_real_dates_and_numbers_imports(world):
    from kaiku.web.spreadsheets import Sheet, xlsx_bytes

    number = numbers.generate()
    row = card_row(number)
    values = dict(zip(CARD_HEADER, row, strict=True))
    values.update(registered_on=dt.date(2024, 3, 1), valid_until=dt.datetime(2027, 3, 1), birth_year=1970, children=2)
    data = xlsx_bytes([Sheet("Kortit", [CARD_HEADER, [values[h] for h in CARD_HEADER]])])
    summary = imports.import_cards(read_export(data), commit=True)
    assert (summary.committed, summary.created) == (True, 1)
    card = Card.objects.get(number=number)
    assert (card.registered_on, card.valid_until, card.birth_year, card.children) == (
        dt.date(2024, 3, 1),
        dt.date(2027, 3, 1),
        1970,
        2,
    )


def test_kaikus_own_stock_given_out_by_the_old_register_is_registered(world):
    number = world.stock_a.number
    summary = imports.import_cards(cards_export([card_row(number)]), commit=True)
    assert (summary.created, summary.updated) == (1, 0)
    card = Card.objects.get(number=number)
    assert (card.pk, card.status, card.registered_on) == (world.stock_a.pk, Card.Status.ACTIVE, dt.date(2024, 3, 1))
    assert CardEvent.objects.get(card=card).kind == CardEvent.Kind.REGISTERED
    assert yearly_rows(NATIONAL, [2024])[0].registered == 1
    again = imports.import_cards(cards_export([card_row(number)]), commit=True)
    assert (again.created, again.unchanged) == (0, 1)


# --- X and Z: the old register's mobile-only cards (docs/legacy-numbers.md) ----------------


def test_x_and_z_rows_become_mobile_only_cards_with_kaiku_numbers_found_again_by_their_old_id(world):
    community = {"kind": "community", "birth_year": "", "postal_code": "", "municipality": "", "children": ""}
    rows = [card_row("X", old_id="p-17"), card_row("z", old_id="org-3", **community), card_row("AAA9")]
    done = imports.import_cards(cards_export(rows, with_old_id=True), filename="old.csv", commit=True)
    assert (done.committed, done.created) == (True, 3)
    person = MobileOnlyCard.objects.get(old_id="p-17").card
    organisation = MobileOnlyCard.objects.get(old_id="org-3").card
    # Kaiku numbers, with the check character; the kind X and Z declare.
    assert numbers.is_valid(person.number) and numbers.is_valid(organisation.number)
    assert (person.kind, organisation.kind) == (Card.Kind.PERSONAL, Card.Kind.COMMUNITY)
    assert person.status == Card.Status.ACTIVE and person.registered_on == dt.date(2024, 3, 1)
    event = CardEvent.objects.get(card=person)
    assert event.details["takeover"] == "old.csv"
    assert (event.details["mobile_only"], event.details["delivered"]) == (True, "digital")
    assert "mobile_only" not in CardEvent.objects.get(card__number="AAA9").details
    assert yearly_rows(NATIONAL, [2024])[0].registered == 3

    again = imports.import_cards(cards_export(rows, with_old_id=True), commit=True)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert Card.objects.filter(number__in=[person.number, organisation.number]).count() == 2
    assert MobileOnlyCard.objects.count() == 2

    rows[0] = card_row("X", old_id="p-17", postal_code="33200")
    changed = imports.import_cards(cards_export(rows, with_old_id=True), commit=True)
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 2)
    person.refresh_from_db()
    assert (person.postal_code, MobileOnlyCard.objects.get(old_id="p-17").card_id) == ("33200", person.pk)


@pytest.mark.parametrize(
    ("row", "column", "code"),
    [
        ({"number": "X"}, "Identifier in the old register", "old_id_missing"),
        ({"number": "X", "old_id": "i" * 65}, "Identifier in the old register", "old_id_too_long"),
        ({"number": "x", "old_id": "p-1", "kind": "community", "birth_year": "", "postal_code": "",
          "municipality": "", "children": ""}, "Kind", "mobile_only_kind"),
    ],
)  # fmt: skip
def test_a_mobile_only_row_without_its_key_imports_nothing_and_names_the_row_and_column(world, row, column, code):
    number = row.pop("number")
    summary = imports.import_cards(cards_export([card_row(), card_row(number, **row)], with_old_id=True), commit=True)
    assert not summary.committed and not MobileOnlyCard.objects.exists()
    assert [(e.row, e.column, e.code) for e in summary.errors] == [(3, column, code)]
    assert summary.errors[0].message


def test_the_same_old_id_twice_is_an_error(world):
    rows = [card_row("X", old_id="p-1"), card_row("X", old_id="p-1")]
    summary = imports.import_cards(cards_export(rows, with_old_id=True), commit=True)
    assert [(e.row, e.column) for e in summary.errors] == [(3, "Identifier in the old register")]


def test_a_mobile_only_cards_past_uses_find_it_by_its_old_id(world):
    imports.import_cards(cards_export([card_row("X", old_id="p-17")], with_old_id=True), commit=True)
    card = MobileOnlyCard.objects.get(old_id="p-17").card
    header = [*USE_HEADER, "old_id"]
    rows = [["X", "2024-05-02", "Tampereen Teatteri", "1", "", "", "", "p-17"]]
    done = imports.import_uses(read_export(csv_bytes(header, rows)), commit=True)
    assert (done.committed, done.created) == (True, 1)
    assert Use.objects.get(channel=Channel.IMPORT).card == card
    again = imports.import_uses(read_export(csv_bytes(header, rows)), commit=True)
    assert (again.created, again.unchanged) == (0, 1)

    unknown = [
        ["Z", "2024-05-02", "Tampereen Teatteri", "0", "", "", "", "org-9"],
        ["X", "2024-05-02", "Tampereen Teatteri", "0", "", "", "", ""],
    ]
    refused = imports.import_uses(read_export(csv_bytes(header, unknown)), commit=True)
    assert [(e.row, e.code) for e in refused.errors] == [(2, "old_id_unknown"), (3, "old_id_missing")]
