"""Card numbers: random, confusion-free, with a check character.

The alphabet leaves out 0/O and 1/I/L, which are misread at a desk. It has 31
characters, a prime, so a weighted sum modulo 31 with distinct non-zero weights
catches every single changed character (the weight is invertible) and every swap
of two neighbours (neighbouring weights differ by one). Numbers are printed as
``KK-XXXX-XXXX`` for reading aloud; the ``KK-`` prefix is optional when typing.
"""

from __future__ import annotations

import enum
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
MODULUS = len(ALPHABET)
BODY_LENGTH = 7
NUMBER_LENGTH = BODY_LENGTH + 1
PREFIX = "KK"
_VALUES = {ch: i for i, ch in enumerate(ALPHABET)}
_NEVER_ON_A_CARD = set("01OIL")

assert MODULUS == 31


class NumberError(enum.StrEnum):
    """Why typed text is not a card number; the value is the stable reason code."""

    MALFORMED = "malformed"
    BAD_CHECK = "bad_check_character"


class InvalidCardNumber(ValueError):
    def __init__(self, code: NumberError, detail: str = "") -> None:
        super().__init__(detail or code.value)
        self.code = code
        self.detail = detail


def check_character(body: str) -> str:
    """The character that makes the weighted sum of body + check zero mod 31."""
    total = sum((i + 1) * _VALUES[ch] for i, ch in enumerate(body))
    weight = len(body) + 1
    # Solve total + weight * c == 0 (mod 31) for c; pow(..., -1, m) is the inverse.
    c = (-total * pow(weight, -1, MODULUS)) % MODULUS
    return ALPHABET[c]


def is_valid(number: str) -> bool:
    if len(number) != NUMBER_LENGTH or any(ch not in _VALUES for ch in number):
        return False
    total = sum((i + 1) * _VALUES[ch] for i, ch in enumerate(number))
    return total % MODULUS == 0


def generate() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    return body + check_character(body)


def normalise(text: str) -> str:
    """Canonical form of typed or scanned text: upper case, no separators or prefix.

    Raises InvalidCardNumber (never anything else) when the text cannot be a number.
    """
    if not isinstance(text, str):
        raise InvalidCardNumber(NumberError.MALFORMED, "not text")
    cleaned = "".join(ch for ch in text.upper() if ch not in " -\t\r\n.")
    if len(cleaned) == NUMBER_LENGTH + len(PREFIX) and cleaned.startswith(PREFIX):
        cleaned = cleaned[len(PREFIX) :]
    if len(cleaned) != NUMBER_LENGTH:
        raise InvalidCardNumber(NumberError.MALFORMED, "wrong length")
    bad = [ch for ch in cleaned if ch not in _VALUES]
    if bad:
        reason = "never on a card" if set(bad) <= _NEVER_ON_A_CARD else "unknown character"
        raise InvalidCardNumber(NumberError.MALFORMED, reason)
    if not is_valid(cleaned):
        raise InvalidCardNumber(NumberError.BAD_CHECK, "check character does not match")
    return cleaned


def display(number: str) -> str:
    """``7F3K92QD`` → ``KK-7F3K-92QD``."""
    return f"{PREFIX}-{number[:4]}-{number[4:]}"
