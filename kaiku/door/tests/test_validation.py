"""The door's quick validation of a batch gives exactly what the serializer gives."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from kaiku.door.api import BatchSerializer, _valid_uses
from kaiku.door.services import MAX_BATCH

# Values of the right type and of every wrong kind, for each field of a use.
anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 200),
    st.floats(allow_nan=True),
    st.text(max_size=5),
    st.sampled_from(["", "  ", " k ", "x" * 81, "x" * 301, "3", "true", "camera", "culture", "nope"]),
    st.sampled_from(["2026-06-15T10:00:00Z", "2026-06-15T10:00:00+03:00", "2026-06-15 10:00", "yesterday"]),
    st.just([]),
    st.just({}),
)
FIELDS = [
    "key",
    "text",
    "scanned_at",
    "offline",
    "children",
    "community_clients",
    "assistants",
    "offer",
    "occurrence",
    "sector",
    "override_reason",
    "read_with",
    "unknown",
]
# What a door sends (text without NUL characters, which the serializer refuses).
printable = st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",))
well_formed = st.fixed_dictionaries(
    {
        "key": st.text(printable, min_size=1, max_size=20).filter(str.strip),
        "text": st.sampled_from(["KK-7F3K-92QD", "x"]),
    },
    optional={
        "scanned_at": st.sampled_from([None, "2026-06-15T10:00:00Z", "2026-06-15T10:00:00.123+03:00"]),
        "offline": st.booleans(),
        "children": st.integers(0, 100),
        "community_clients": st.integers(0, 100),
        "assistants": st.integers(0, 10),
        "offer": st.one_of(st.none(), st.integers(1, 10**6)),
        "occurrence": st.one_of(st.none(), st.integers(1, 10**6)),
        "sector": st.sampled_from(["", "culture", "sports"]),
        "override_reason": st.text(printable, max_size=30),
        "read_with": st.sampled_from(["", "camera", "photo", "typed"]),
    },
)
any_item = st.one_of(well_formed, st.dictionaries(st.sampled_from(FIELDS), anything, max_size=8), anything)
batches = st.one_of(
    st.builds(lambda uses: {"uses": uses}, st.lists(well_formed, min_size=1, max_size=4)),
    st.builds(lambda uses: {"uses": uses}, st.lists(any_item, max_size=4)),
    st.builds(lambda n: {"uses": [{"key": "k", "text": "x"}] * n}, st.sampled_from([MAX_BATCH, MAX_BATCH + 1])),
    anything,
)


def _serializer(data: Any) -> list[dict[str, Any]] | None:
    batch = BatchSerializer(data=data)
    return [dict(item) for item in batch.validated_data["uses"]] if batch.is_valid() else None


@settings(max_examples=400, deadline=None)
@given(batches)
def test_quick_validation_equals_the_serializer(data):
    with timezone.override("Europe/Helsinki"):
        quick = _valid_uses(data)
        expected = _serializer(data)
    if quick is not None:
        # What it accepts, the serializer accepts with the same values.
        assert quick == expected
    # Every well-formed JSON batch takes the quick path; only errors go to the serializer.
    if expected is not None and type(data) is dict:
        assert quick == expected


@given(st.lists(well_formed, min_size=1, max_size=3))
@settings(max_examples=100, deadline=None)
def test_every_well_formed_batch_is_validated_quickly(uses):
    assert _valid_uses({"uses": uses}) is not None
