"""Card numbers: the check character catches every single typo and every swap of neighbours."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kaiku.cards import numbers
from kaiku.cards.numbers import ALPHABET, BODY_LENGTH, NUMBER_LENGTH, InvalidCardNumber, NumberError

bodies = st.text(alphabet=ALPHABET, min_size=BODY_LENGTH, max_size=BODY_LENGTH)


def full(body: str) -> str:
    return body + numbers.check_character(body)


def single_changes(number: str):
    for i, original in enumerate(number):
        for ch in ALPHABET:
            if ch != original:
                yield number[:i] + ch + number[i + 1 :]


def adjacent_swaps(number: str):
    for i in range(len(number) - 1):
        if number[i] != number[i + 1]:
            yield number[:i] + number[i + 1] + number[i] + number[i + 2 :]


@given(bodies)
def test_a_generated_number_is_valid(body):
    number = full(body)
    assert numbers.is_valid(number)
    assert numbers.normalise(number) == number


@given(bodies, st.integers(0, NUMBER_LENGTH - 1), st.sampled_from(ALPHABET))
def test_the_check_character_catches_any_single_change(body, position, replacement):
    number = full(body)
    changed = number[:position] + replacement + number[position + 1 :]
    if changed == number:
        return
    assert not numbers.is_valid(changed)
    with pytest.raises(InvalidCardNumber) as raised:
        numbers.normalise(changed)
    assert raised.value.code == NumberError.BAD_CHECK


@given(bodies, st.integers(0, NUMBER_LENGTH - 2))
def test_the_check_character_catches_any_swap_of_neighbours(body, position):
    number = full(body)
    swapped = number[:position] + number[position + 1] + number[position] + number[position + 2 :]
    if swapped == number:
        return
    assert not numbers.is_valid(swapped)


@pytest.mark.parametrize("body", ["2222222", "ZZZZZZZ", "7F3K92Q", "23456789"[:7], "HJKMNPQ"])
def test_every_single_change_and_swap_is_caught_exhaustively(body):
    number = full(body)
    changes = list(single_changes(number))
    assert len(changes) == NUMBER_LENGTH * (len(ALPHABET) - 1)
    assert not any(numbers.is_valid(c) for c in changes)
    assert not any(numbers.is_valid(s) for s in adjacent_swaps(number))


def test_generated_numbers_use_only_the_confusion_free_alphabet():
    for _ in range(200):
        number = numbers.generate()
        assert len(number) == NUMBER_LENGTH
        assert not set(number) & set("01OIL")
        assert numbers.is_valid(number)


@given(bodies)
def test_typing_variants_normalise_to_the_number(body):
    number = full(body)
    printed = numbers.display(number)
    assert printed == f"KK-{number[:4]}-{number[4:]}"
    for typed in (printed, printed.lower(), f" {number[:4]} {number[4:]} ", number.lower(), f"kk{number}"):
        assert numbers.normalise(typed) == number


@settings(max_examples=500)
@given(
    st.one_of(
        st.text(), st.text(alphabet=ALPHABET + "01OIL-k K.\n", max_size=14), st.binary(), st.integers(), st.none()
    )
)
@example("")
@example("KK-")
@example("\uff4b\uff4b\uff17\uff26\uff13\uff2b\uff19\uff12\uff31\uff24")  # full-width
@example("ß" * 8)
def test_normalise_raises_nothing_but_invalid_card_number(text):
    try:
        result = numbers.normalise(text)  # type: ignore[arg-type]
    except InvalidCardNumber as exc:
        assert exc.code in (NumberError.MALFORMED, NumberError.BAD_CHECK)
    else:
        assert numbers.is_valid(result)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", NumberError.MALFORMED),
        ("KK-7F3K", NumberError.MALFORMED),
        ("KK-0F3K-92QD", NumberError.MALFORMED),
        ("KK-LF3K-92QD", NumberError.MALFORMED),
        ("KK-7F3K-92Q!", NumberError.MALFORMED),
    ],
)
def test_malformed_text_has_the_malformed_code(text, code):
    with pytest.raises(InvalidCardNumber) as raised:
        numbers.normalise(text)
    assert raised.value.code == code
