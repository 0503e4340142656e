"""Legacy card numbers: declared formats, parsing, look-up and the rules around them."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from kaiku.audit.models import AuditEntry
from kaiku.cards import legacy, numbers
from kaiku.cards.legacy import DeclaredFormat, LegacyFormatError
from kaiku.cards.models import Card, LegacyFormat
from kaiku.cards.services import CardError, card_by_number, replace_card
from kaiku.cards.tests.factories import CardFactory, declare_legacy_formats
from kaiku.visits.models import Channel, Use
from kaiku.visits.services import UseRequest, record_use

LETTERS = DeclaredFormat(1, "[A-Z]{2}[0-9]{6}")
SERIAL = DeclaredFormat(2, "20[0-9]{2}[0-9]{5}")
KEEP_CASE = DeclaredFormat(3, "[a-z]{3}[0-9]{3}", fold_case=False, ignore_spaces=False, ignore_dashes=False)
FORMATS = [LETTERS, SERIAL, KEEP_CASE]


def parse(text: str) -> numbers.ParsedNumber:
    return numbers.parse_any(text, FORMATS)


def code_of(text: str) -> str:
    with pytest.raises(numbers.InvalidCardNumber) as caught:
        parse(text)
    return caught.value.code.value


# --- parsing, without the database --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "canonical", "format_id"),
    [
        ("KA004711", "KA004711", 1),
        ("ka 004 711", "KA004711", 1),
        (" KA-004-711\n", "KA004711", 1),
        ("2019-00042", "201900042", 2),
        ("2019 000 42", "201900042", 2),
        ("abc123", "abc123", 3),
    ],
)
def test_it_normalises_a_legacy_number_as_its_format_declares(text, canonical, format_id):
    assert parse(text) == numbers.ParsedNumber(numbers.Kind.LEGACY, canonical, format_id)
    assert parse(text).is_legacy


def test_it_keeps_case_spaces_and_dashes_where_the_format_says_they_matter():
    assert code_of("ABC123") == "malformed"
    assert code_of("abc 123") == "malformed"
    assert code_of("abc-123") == "malformed"


def test_kaikus_own_numbers_keep_their_format_and_check_character():
    number = numbers.generate()
    assert parse(numbers.display(number)) == numbers.ParsedNumber(numbers.Kind.KAIKU, number, None)
    typo = number[:-1] + ("2" if number[-1] != "2" else "3")
    assert code_of(typo) == "bad_check_character"


@pytest.mark.parametrize("text", ["X", "x", "Z", " z ", "-X-"])
def test_the_reserved_mobile_only_values_are_never_card_numbers(text):
    assert code_of(text) == "mobile_only"


def test_the_reserved_values_name_the_card_kind_they_stand_for():
    assert numbers.mobile_only_kind("x") == "personal"
    assert numbers.mobile_only_kind("Z") == "community"
    assert numbers.mobile_only_kind("Y") is None
    assert numbers.mobile_only_kind("XZ") is None


def test_a_format_that_would_accept_x_still_gets_mobile_only():
    with pytest.raises(numbers.InvalidCardNumber) as caught:
        numbers.parse_any("X", [DeclaredFormat(9, "[A-Z]{1,4}")])
    assert caught.value.code == numbers.NumberError.MOBILE_ONLY


@pytest.mark.parametrize("text", ["KA00471", "KA0047111", "2019-0004", "K@004711", "", "A" * 65, "KA004711" * 5])
def test_text_of_no_declared_format_is_malformed(text):
    assert code_of(text) in {"malformed", "bad_check_character"}


def test_a_number_longer_than_a_card_number_never_reaches_a_pattern():
    with pytest.raises(numbers.InvalidCardNumber):
        numbers.parse_any("A" * 33, [DeclaredFormat(9, "A+")])
    assert numbers.parse_any("A" * 32, [DeclaredFormat(9, "A+")]).canonical == "A" * 32


def test_non_text_is_malformed():
    with pytest.raises(numbers.InvalidCardNumber):
        numbers.parse_any(None, FORMATS)  # type: ignore[arg-type]


def test_a_legacy_number_is_shown_as_stored():
    assert numbers.display("KA004711") == "KA004711"


# --- checking a declared pattern -----------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "code"),
    [
        ("[A-Z", "pattern_invalid"),
        ("(?=A)[A-Z]{2}", "pattern_invalid"),
        (r"([A-Z])\1", "pattern_invalid"),
        ("(?P<x>A)", "pattern_invalid"),
        ("(A+)+", "pattern_backtracking"),
        ("(A|AB)*C", "pattern_backtracking"),
        ("([0-9]{2})*", "pattern_backtracking"),
        ("(?:A*B?)+", "pattern_backtracking"),
        ("[0-9]*", "pattern_empty_match"),
        ("A" * 121, "pattern_too_long"),
        ("A{1001}", "pattern_invalid"),
    ],
)
def test_a_pattern_that_is_invalid_or_can_backtrack_is_refused(pattern, code):
    with pytest.raises(LegacyFormatError) as caught:
        legacy.check_pattern(pattern)
    assert caught.value.code == code
    assert caught.value.message


@pytest.mark.parametrize("pattern", ["[A-Z]{2}[0-9]{6}", "(KA|KB)[0-9]{6}", "20[0-9]{2}-?[0-9]{5}", "(?:AB){2}[0-9]+"])
def test_a_plain_pattern_is_accepted(pattern):
    legacy.check_pattern(pattern)


@pytest.mark.parametrize(
    ("example", "code"),
    [
        ("KA00471", "example_no_match"),
        ("X", "example_reserved"),
        ("KK-2222-2222", "example_is_kaiku"),
    ],
)
def test_the_example_must_be_a_legacy_number_of_the_format(example, code):
    if code == "example_is_kaiku":
        example = numbers.display(numbers.generate())
        declared = DeclaredFormat(0, "[A-Z0-9]{8}")
    else:
        declared = LETTERS
    with pytest.raises(LegacyFormatError) as caught:
        legacy.check_format(declared, example)
    assert (caught.value.code, caught.value.field) == (code, "example")


# --- declared formats in the register ------------------------------------------------------


@pytest.mark.django_db
def test_declaring_a_format_audits_it_without_the_example_number():
    row = legacy.save_format(None, {"name": "Letters", "pattern": "[A-Z]{2}[0-9]{6}", "example": "KA004711"})
    entry = AuditEntry.objects.get(action="cards.legacy_format_declared")
    assert entry.changes["pattern"] == "[A-Z]{2}[0-9]{6}"
    assert "KA004711" not in str(entry.changes)
    legacy.save_format(None, {"example": "KB000001"}, instance=row)
    changed = AuditEntry.objects.get(action="cards.legacy_format_changed")
    assert changed.changes == {"example": None}


@pytest.mark.django_db
def test_a_refused_format_changes_nothing():
    with pytest.raises(LegacyFormatError):
        legacy.save_format(None, {"name": "Bad", "pattern": "(A+)+B", "example": "AB"})
    assert not LegacyFormat.objects.exists() and not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_at_most_ten_formats_are_in_use():
    for i in range(legacy.MAX_ACTIVE_FORMATS):
        legacy.save_format(None, {"name": f"F{i}", "pattern": f"Q{i}[0-9]{{4}}", "example": f"Q{i}0000"})
    with pytest.raises(LegacyFormatError) as caught:
        legacy.save_format(None, {"name": "One more", "pattern": "R[0-9]{4}", "example": "R0000"})
    assert caught.value.code == "too_many_formats"
    legacy.save_format(None, {"name": "Not in use", "pattern": "R[0-9]{4}", "example": "R0000", "active": False})


@pytest.mark.django_db
def test_a_declared_format_is_in_use_at_once_and_a_withdrawn_one_is_not():
    with pytest.raises(numbers.InvalidCardNumber):
        legacy.parse_any("KA004711")
    letters, _serial = declare_legacy_formats()
    assert legacy.parse_any("ka-004711").canonical == "KA004711"
    legacy.save_format(None, {"active": False}, instance=letters)
    with pytest.raises(numbers.InvalidCardNumber):
        legacy.parse_any("KA004711")
    assert legacy.parse_any("2019-00042").format_id == _serial.pk


@pytest.mark.django_db
def test_formats_are_read_once_and_then_from_the_cache(django_assert_num_queries):
    declare_legacy_formats()
    cache.delete(legacy.CACHE_KEY)
    with django_assert_num_queries(1):
        legacy.parse_any("KA004711")
        legacy.parse_any("2019-00042")


# --- the look-up ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_card_by_number_finds_kaiku_and_legacy_cards():
    declare_legacy_formats()
    legacy_card = CardFactory(number="KA004711")
    serial_card = CardFactory(number="201900042")
    kaiku_card = CardFactory()
    assert card_by_number("ka 004711") == legacy_card
    assert card_by_number("2019-00042") == serial_card
    assert card_by_number(kaiku_card.display_number) == kaiku_card
    assert card_by_number("KA004711", queryset=Card.objects.filter(site=legacy_card.site)) == legacy_card
    with pytest.raises(CardError) as caught:
        card_by_number("KA004711", queryset=Card.objects.filter(site=kaiku_card.site))
    assert caught.value.code == "unknown_number"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "code"),
    [("KA004712", "unknown_number"), ("X", "mobile_only"), ("Z", "mobile_only"), ("KA0047", "malformed")],
)
def test_an_unknown_legacy_number_gives_no_hint_of_another_card(text, code):
    declare_legacy_formats()
    CardFactory(number="KA004711")
    with pytest.raises(CardError) as caught:
        card_by_number(text)
    assert caught.value.code == code
    assert "KA004711" not in caught.value.message


@pytest.mark.django_db
def test_a_legacy_card_is_used_by_its_number_and_a_near_miss_is_unknown(world):
    declare_legacy_formats()
    card = world.card_a
    Card.objects.filter(pk=card.pk).update(number="KA004711")
    used = record_use(UseRequest(venue=world.venue_a, number="ka 004711", channel=Channel.TYPED, idempotency_key="a"))
    assert used.accepted and used.use.card_id == card.pk
    miss = record_use(UseRequest(venue=world.venue_a, number="KA004717", channel=Channel.TYPED, idempotency_key="b"))
    assert (miss.accepted, miss.reason, miss.use.card_id) == (False, "unknown_number", None)
    x = record_use(UseRequest(venue=world.venue_a, number="X", channel=Channel.TYPED, idempotency_key="c"))
    assert (x.accepted, x.reason) == (False, "mobile_only")
    assert Use.objects.filter(outcome=Use.Outcome.ACCEPTED).count() == 1


@pytest.mark.django_db
def test_a_replaced_legacy_card_gets_a_kaiku_number(world):
    declare_legacy_formats()
    card = world.card_a
    Card.objects.filter(pk=card.pk).update(number="KA004711")
    card.refresh_from_db()
    new = replace_card(card, world.users["distributor"]).card
    assert legacy.parse_any(new.number).kind == numbers.Kind.KAIKU
    card.refresh_from_db()
    assert card.status == Card.Status.REPLACED and card.replaced_by == new


@pytest.mark.django_db
def test_a_replacement_never_takes_a_legacy_number(world):
    declare_legacy_formats()
    CardFactory(number="KA004711", site=world.distributor_a, status=Card.Status.UNREGISTERED)
    with pytest.raises(CardError) as caught:
        replace_card(world.card_a, world.users["distributor"], number="KA004711")
    assert caught.value.code == "unknown_number"
    world.card_a.refresh_from_db()
    assert world.card_a.status == Card.Status.ACTIVE
