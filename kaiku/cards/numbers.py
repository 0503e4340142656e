"""Card numbers: random, confusion-free, with a check character.

The alphabet leaves out 0/O and 1/I/L, which are misread at a desk. It has 31
characters, a prime, so a weighted sum modulo 31 with distinct non-zero weights
catches every single changed character (the weight is invertible) and every swap
of two neighbours (neighbouring weights differ by one). Numbers are printed as
``KK-XXXX-XXXX`` for reading aloud; the ``KK-`` prefix is optional when typing.

Cards printed by the register used before Kaiku keep their numbers (*legacy numbers*,
``docs/legacy-numbers.md``): the national admin declares each accepted format
(``kaiku.cards.legacy``), and ``parse_any`` accepts a Kaiku number or a number of a
declared format. A legacy number has no check character, so a typo in one can only be
answered *unknown number*.
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


class NumberFormat(Protocol):
    """A declared legacy format as ``parse_any`` uses it (``kaiku.cards.legacy.DeclaredFormat``)."""

    @property
    def id(self) -> int: ...

    def canonical(self, text: str) -> str | None: ...


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
    # "X" or "Z": the old register's mark for a card that exists only on a phone.
    MOBILE_ONLY = "mobile_only"


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
    """``7F3K92QD`` → ``KK-7F3K-92QD``; a legacy number is shown as it is stored."""
    if not is_valid(number):
        return number
    return f"{PREFIX}-{number[:4]}-{number[4:]}"


# --- Any card number: Kaiku's own or a declared legacy format -----------------------

# The longest legacy number kept (``Card.number``'s length) and the longest text parsed
# at all: anything longer is malformed before any pattern runs.
LEGACY_MAX_LENGTH = 32
TEXT_MAX_LENGTH = 64
# The old register's reserved values for mobile-only cards: never a card number.
MOBILE_ONLY = {"X": "personal", "Z": "community"}


class Kind(enum.StrEnum):
    KAIKU = "kaiku"
    LEGACY = "legacy"


@dataclass(frozen=True)
class ParsedNumber:
    """A card number in its stored (canonical) form."""

    kind: Kind
    canonical: str
    # The declared legacy format's id (``kaiku.cards.models.LegacyFormat``); None for Kaiku's.
    format_id: int | None = None

    @property
    def is_legacy(self) -> bool:
        return self.kind == Kind.LEGACY


def mobile_only_kind(text: str) -> str | None:
    """``"personal"`` for X, ``"community"`` for Z (any case, spaces or dashes), else None."""
    if not isinstance(text, str) or len(text) > 8:
        return None
    return MOBILE_ONLY.get("".join(ch for ch in text.upper() if ch not in " -\t\r\n."))


def parse_any(text: str, formats: Sequence[NumberFormat]) -> ParsedNumber:
    """A Kaiku number, else a number of a declared legacy format, else InvalidCardNumber.

    Kaiku's own format is tried first, so a typo in a Kaiku number is still caught by its
    check character unless a declared format accepts the text as it is. ``formats`` are
    the declared formats to try (``kaiku.cards.legacy.parse_any`` passes the active ones). Raises
    InvalidCardNumber and nothing else; MOBILE_ONLY for the reserved values X and Z.
    """
    if not isinstance(text, str) or len(text) > TEXT_MAX_LENGTH:
        raise InvalidCardNumber(NumberError.MALFORMED, "not text or too long")
    try:
        return ParsedNumber(Kind.KAIKU, normalise(text))
    except InvalidCardNumber as kaiku_error:
        if mobile_only_kind(text) is not None:
            raise InvalidCardNumber(NumberError.MOBILE_ONLY, "reserved mobile-only value") from None
        for declared in formats:
            canonical = declared.canonical(text)
            if canonical is not None:
                return ParsedNumber(Kind.LEGACY, canonical, declared.id)
        raise kaiku_error
