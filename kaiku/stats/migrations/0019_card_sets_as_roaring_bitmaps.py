# The slices' card sets from the home-made format ("s": a sorted zlib-compressed array; "d": a
# zlib-compressed bitmap) to serialised Roaring bitmaps (pyroaring), issue 21. The old format's
# reader and writer are copied here, as they were, so that later code cannot change what this does.

import zlib
from array import array

from django.db import migrations
from pyroaring import BitMap

_BITS = [[bit for bit in range(8) if byte >> bit & 1] for byte in range(256)]


def _old_keys(blob: bytes) -> list[int]:
    body = zlib.decompress(blob[1:])
    if blob[:1] == b"d":
        return [i * 8 + bit for i, byte in enumerate(body) if byte for bit in _BITS[byte]]
    keys = array("q")
    keys.frombytes(body)
    return list(keys)


def _old_encode(keys: list[int]) -> bytes:
    if not keys or len(keys) * 256 < max(keys):
        return b"s" + zlib.compress(array("q", sorted(keys)).tobytes(), 1)
    raw = bytearray(max(keys) // 8 + 1)
    for key in keys:
        raw[key >> 3] |= 1 << (key & 7)
    return b"d" + zlib.compress(bytes(raw), 1)


def _convert(apps, change):
    SliceCards = apps.get_model("stats", "SliceCards")
    rows = SliceCards.objects.order_by("pk").values_list("pk", "cards")
    last = 0
    while True:
        batch = list(rows.filter(pk__gt=last)[:1000])
        if not batch:
            return
        SliceCards.objects.bulk_update(
            [SliceCards(pk=pk, cards=change(bytes(blob))) for pk, blob in batch], ["cards"], batch_size=1000
        )
        last = batch[-1][0]


def to_roaring(apps, schema_editor):
    _convert(apps, lambda blob: BitMap(_old_keys(blob)).serialize())


def to_old(apps, schema_editor):
    _convert(apps, lambda blob: _old_encode(list(BitMap.deserialize(blob))))


class Migration(migrations.Migration):

    dependencies = [
        ("stats", "0018_card_years_without_days"),
    ]

    operations = [migrations.RunPython(to_roaring, to_old)]
