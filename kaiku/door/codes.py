"""Signed card codes: what goes into a card's QR code and the digital card.

A code is ``KK:`` followed by the RFC 4648 base32 (no padding) of 18 payload bytes
and their 64-byte Ed25519 signature, 135 characters in all. Base32 stays inside the
QR alphanumeric alphabet, so the code fits a version 6 QR code at error correction M.

Payload (big-endian)::

    0      format (1)
    1-2    key id (which public key verifies the signature)
    3      flags: bits 0-1 kind (0 card stock, 1 personal, 2 community), bit 2 local-only area
    4-8    card number, base 31, 40 bits
    9-10   valid until, days since 2000-01-01 (0 for card stock)
    11     children allowed (0-255)
    12-13  code version (Card.code_version: bumped on renewal, correction, inactivation, replacement)
    14-17  the issuing area's id

``verify_code`` never raises: any text or bytes give a ``CodeCheck`` with either the
payload or a refusal reason code. The door page's JavaScript (static/door/codes.js)
implements the same format.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import enum
import functools
import struct
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from kaiku.cards import numbers
from kaiku.cards.models import Card
from kaiku.door import keys

PREFIX = "KK:"
FORMAT = 1
EPOCH = dt.date(2000, 1, 1)
_PAYLOAD = struct.Struct(">BHB5sHBHI")
PAYLOAD_LENGTH = _PAYLOAD.size
SIGNATURE_LENGTH = 64
CODE_LENGTH = len(PREFIX) + len(base64.b32encode(bytes(PAYLOAD_LENGTH + SIGNATURE_LENGTH)).rstrip(b"="))

assert PAYLOAD_LENGTH == 18


class Kind(enum.IntEnum):
    STOCK = 0
    PERSONAL = 1
    COMMUNITY = 2


KIND_NAMES = {Kind.STOCK: "stock", Kind.PERSONAL: Card.Kind.PERSONAL, Kind.COMMUNITY: Card.Kind.COMMUNITY}


class CodeRefusal(enum.StrEnum):
    """Why a code is not accepted before any register lookup; values are stable codes."""

    MALFORMED = "malformed"
    UNKNOWN_KEY = "unknown_key"
    BAD_SIGNATURE = "bad_signature"


@dataclass(frozen=True)
class CardCode:
    key_id: int
    kind: str
    number: str
    valid_until: dt.date | None
    children: int
    code_version: int
    area_id: int
    local_only: bool

    @property
    def is_stock(self) -> bool:
        return self.kind == "stock"


@dataclass(frozen=True)
class CodeCheck:
    code: CardCode | None
    reason: str | None

    @property
    def ok(self) -> bool:
        return self.reason is None


def _pack_number(number: str) -> bytes:
    value = 0
    for ch in number:
        value = value * numbers.MODULUS + numbers.ALPHABET.index(ch)
    return value.to_bytes(5, "big")


def _unpack_number(raw: bytes) -> str | None:
    value = int.from_bytes(raw, "big")
    chars = []
    for _ in range(numbers.NUMBER_LENGTH):
        value, digit = divmod(value, numbers.MODULUS)
        chars.append(numbers.ALPHABET[digit])
    if value:
        return None
    number = "".join(reversed(chars))
    return number if numbers.is_valid(number) else None


def payload_for(card: Card, key_id: int) -> bytes:
    if card.status == Card.Status.UNREGISTERED or card.valid_until is None:
        kind, valid_days, children = Kind.STOCK, 0, 0
    else:
        kind = Kind.COMMUNITY if card.is_community else Kind.PERSONAL
        valid_days = (card.valid_until - EPOCH).days
        children = 0 if card.is_community else min(card.children, 255)
    area = card.site.area
    flags = int(kind) | (4 if area.local_only else 0)
    return _PAYLOAD.pack(
        FORMAT,
        key_id,
        flags,
        _pack_number(card.number),
        max(0, min(valid_days, 0xFFFF)),
        children,
        min(card.code_version, 0xFFFF),
        area.pk,
    )


def card_code(card: Card) -> str:
    """The signed text for the card's QR code (printed card, holder slip, digital card).

    A legacy number (docs/legacy-numbers.md) does not fit the signed payload: its QR code
    holds the plain number, which the door checks as if typed.
    """
    if not numbers.is_valid(card.number):
        return card.number
    key = keys.current()
    payload = payload_for(card, key.key_id)
    signature = key.private.sign(payload)
    return PREFIX + base64.b32encode(payload + signature).decode().rstrip("=")


def looks_like_code(text: Any) -> bool:
    return isinstance(text, str) and text.strip().upper().startswith(PREFIX)


def _decode(text: Any) -> bytes | None:
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("ascii")
        except UnicodeDecodeError:
            return None
    if not isinstance(text, str):
        return None
    text = text.strip().upper()
    if not text.startswith(PREFIX) or len(text) != CODE_LENGTH:
        return None
    body = text[len(PREFIX) :]
    try:
        raw = base64.b32decode(body + "=" * (-len(body) % 8))
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == PAYLOAD_LENGTH + SIGNATURE_LENGTH else None


@functools.lru_cache(maxsize=32)
def _public_key(raw: bytes) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(raw)


def verify_code(text: Any, public_keys: dict[int, bytes] | None = None) -> CodeCheck:
    """Decode and verify a scanned code; never raises."""
    raw = _decode(text)
    if raw is None:
        return CodeCheck(None, CodeRefusal.MALFORMED)
    payload, signature = raw[:PAYLOAD_LENGTH], raw[PAYLOAD_LENGTH:]
    fmt, key_id, flags, number_raw, valid_days, children, version, area_id = _PAYLOAD.unpack(payload)
    if fmt != FORMAT or (flags & 3) not in (0, 1, 2) or flags >> 3:
        return CodeCheck(None, CodeRefusal.MALFORMED)
    number = _unpack_number(number_raw)
    if number is None:
        return CodeCheck(None, CodeRefusal.MALFORMED)
    known = keys.public_keys() if public_keys is None else public_keys
    public = known.get(key_id)
    if public is None:
        return CodeCheck(None, CodeRefusal.UNKNOWN_KEY)
    try:
        _public_key(public).verify(signature, payload)
    except (InvalidSignature, ValueError):
        return CodeCheck(None, CodeRefusal.BAD_SIGNATURE)
    kind = Kind(flags & 3)
    return CodeCheck(
        CardCode(
            key_id=key_id,
            kind=KIND_NAMES[kind],
            number=number,
            valid_until=None if kind == Kind.STOCK else EPOCH + dt.timedelta(days=valid_days),
            children=children,
            code_version=version,
            area_id=area_id,
            local_only=bool(flags & 4),
        ),
        None,
    )
