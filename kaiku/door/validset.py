"""The valid-card set: what a door device knows offline about typed numbers and card stock.

A printed stock code or a typed number carries no dates or status, so offline the door
needs to know which numbers the register holds valid. It gets a *Golomb-coded set* of
keyed hashes, signed by the card signing key, never the numbers themselves:

- every card valid today in the venue's scope (all cards of areas that are not
  local-only, or, for a venue in a local-only area, that area's cards) becomes
  ``HMAC-SHA256(day key, number)``, its first 8 bytes mapped onto ``[0, n · 2**P)``;
- the sorted values are stored as Rice-coded gaps (P low bits + a unary quotient),
  about P + 1.6 bits per card;
- a number is in the set when its value is; any other number collides with probability
  about ``2**-P`` (P = 16: 1 in 65,536).

The day key is derived from ``SECRET_KEY`` and the date, so sets of different days
cannot be joined, and the device needs nothing else to look a number up.

What it does not hide: a device holds the key, so someone who takes its data can hash
every possible card number (31**7, 27.5 billion) and keep those in the set; at 100,000
valid cards that leaves them about 520,000 candidates of which one in five is a real
card, with no holder data attached. ``docs/door.md`` states this.

Layout (big-endian): ``KKVS``, format (1 byte), key id (2), P (1), count (4), day
(2: days since 2000-01-01), area id (4: 0 for the national scope), HMAC key (32), the
Rice-coded gaps, then a 64-byte Ed25519 signature of everything before it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import struct
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from kaiku.cards.models import Card
from kaiku.door import keys
from kaiku.network.models import Site

MAGIC = b"KKVS"
FORMAT = 1
P = 16
HEADER = struct.Struct(">4sBHBIHI32s")
EPOCH = dt.date(2000, 1, 1)
SIGNATURE_LENGTH = 64


@dataclass(frozen=True)
class ValidSet:
    blob: bytes
    etag: str
    count: int
    day: dt.date


def day_key(day: dt.date) -> bytes:
    return hmac.digest(settings.SECRET_KEY.encode(), b"kaiku-valid-set:" + day.isoformat().encode(), "sha256")


def element(key: bytes, number: str, modulus: int) -> int:
    """Where a number falls in ``[0, modulus)``: the 64-bit hash scaled, not reduced (no bias)."""
    return (int.from_bytes(hmac.digest(key, number.encode(), "sha256")[:8], "big") * modulus) >> 64


def rice_encode(values: list[int], p: int) -> bytes:
    """Sorted values as Rice-coded gaps: the quotient in unary (ones, then a zero), p low bits."""
    out = bytearray()
    acc = 0
    bits = 0
    low_mask = (1 << p) - 1
    previous = 0
    for value in values:
        gap = value - previous
        previous = value
        quotient = gap >> p
        length = quotient + 1 + p
        code = (((1 << quotient) - 1) << (p + 1)) | (gap & low_mask)
        acc = (acc << length) | code
        bits += length
        if bits >= 64:
            bits -= 64
            out += (acc >> bits).to_bytes(8, "big")
            acc &= (1 << bits) - 1
    if bits:
        pad = -bits % 8
        out += (acc << pad).to_bytes((bits + pad) // 8, "big")
    return bytes(out)


def rice_decode(data: bytes, count: int, p: int) -> list[int]:
    """The inverse of ``rice_encode`` (for tests and the benchmark; the device has its own)."""
    bits = format(int.from_bytes(data, "big"), "b").zfill(len(data) * 8) if data else ""
    position = 0
    values = []
    previous = 0
    for _ in range(count):
        end = bits.index("0", position)  # the unary quotient's closing zero
        quotient = end - position
        position = end + 1
        previous += (quotient << p) | int(bits[position : position + p], 2)
        position += p
        values.append(previous)
    return values


def build(
    numbers: Iterable[str], day: dt.date, area_id: int = 0, p: int = P, signing: keys.SigningKey | None = None
) -> bytes:
    """The signed set of these numbers for a day (canonical: Kaiku's 8 characters or a legacy number)."""
    key = day_key(day)
    unique = set(numbers)
    modulus = len(unique) << p
    # Two numbers may fall on the same value (about one pair at 100,000 cards); both are
    # kept (a gap of 0) so that the device derives the same modulus from the count.
    values = sorted(element(key, number, modulus) for number in unique)
    signing = signing or keys.current()
    head = HEADER.pack(MAGIC, FORMAT, signing.key_id, p, len(values), (day - EPOCH).days, area_id, key)
    body = head + rice_encode(values, p)
    return body + signing.private.sign(body)


def contains(blob: bytes, number: str) -> bool:
    """Server-side look-up in a built set (the device does the same in codes.js)."""
    _magic, _format, _key_id, p, count, _day, _area, key = HEADER.unpack_from(blob)
    values = rice_decode(blob[HEADER.size : -SIGNATURE_LENGTH], count, p)
    return element(key, number, count << p) in set(values)


def scope_of(venue: Site) -> int:
    """0 (every card of an area that is not local-only) or the venue's local-only area."""
    return venue.area_id if venue.area.local_only else 0


def valid_numbers(area_id: int, day: dt.date) -> Iterable[str]:
    qs = Card.objects.valid_on(day)
    qs = qs.filter(site__area_id=area_id) if area_id else qs.filter(site__area__local_only=False)
    return qs.values_list("number", flat=True).iterator(chunk_size=10000)


def for_venue(venue: Site, day: dt.date | None = None) -> ValidSet:
    """The venue's set for today, rebuilt when a card changed (at most every ``DOOR_VALID_SET_MIN_AGE`` seconds) or it is older than ``DOOR_VALID_SET_MAX_AGE``.

    Every venue outside local-only areas shares one national set, so at 1 M cards the
    hashing is done once, not per device. The age bound catches a transaction that
    committed after the set was built with an earlier change time.
    """
    day = day or timezone.localdate()
    area_id = scope_of(venue)
    signing = keys.current()
    cache_key = f"door:valid-set:{FORMAT}:{signing.key_id}:{area_id}:{day.isoformat()}"
    max_age = settings.DOOR_VALID_SET_MAX_AGE
    now = timezone.now()
    cached = cache.get(cache_key)
    if cached is not None:
        built_at, found = cached
        age = (now - built_at).total_seconds()
        # At 1 M cards some card changes every few seconds: rebuild at most every
        # DOOR_VALID_SET_MIN_AGE seconds, however busy the register is.
        if age < settings.DOOR_VALID_SET_MIN_AGE or (
            age < max_age and not Card.objects.filter(updated_at__gte=built_at).exists()
        ):
            return found  # type: ignore[no-any-return]
    blob = build(valid_numbers(area_id, day), day, area_id)
    count = HEADER.unpack_from(blob)[4]
    found = ValidSet(blob=blob, etag='"' + hashlib.sha256(blob).hexdigest()[:32] + '"', count=count, day=day)
    cache.set(cache_key, (now, found), timeout=max(max_age, 1) * 10)
    return found
