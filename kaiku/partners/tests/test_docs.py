"""The curl examples in docs/api.md, run against a live server, answer as the docs show."""

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from kaiku.partners import services
from kaiku.testing.world import build_world

DOC = Path(settings.BASE_DIR) / "docs" / "api.md"
# Fields whose documented value must match exactly (ids, times and texts vary by run and language).
STABLE = {
    "valid",
    "reason",
    "kind",
    "children_allowed",
    "accepted",
    "outcome",
    "channel",
    "children",
    "voided",
    "idempotency_key",
    "card_kind",
    "late",
}


def examples() -> list[tuple[str, object]]:
    text = DOC.read_text()
    pairs = re.findall(r"```sh\n(.*?)```\s*```json\n(.*?)```", text, flags=re.S)
    return [(command, json.loads(expected)) for command, expected in pairs]


def same_shape(actual, expected, where="$"):
    assert type(actual) is type(expected) or (expected is None or actual is None), (
        f"{where}: {actual!r} vs {expected!r}"
    )
    if isinstance(expected, dict):
        assert set(expected) == set(actual), f"{where}: keys {sorted(actual)} != {sorted(expected)}"
        for key, value in expected.items():
            if key in STABLE:
                assert actual[key] == value, f"{where}.{key}: {actual[key]!r} != {value!r}"
            same_shape(actual[key], value, f"{where}.{key}")
    elif isinstance(expected, list) and expected:
        assert len(actual) == len(expected), f"{where}: {len(actual)} items, documented {len(expected)}"
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            same_shape(a, e, f"{where}[{i}]")


def test_the_docs_have_examples_for_every_operation():
    commands = " ".join(c for c, _ in examples())
    for path in ["/venues/", "/check/", '/uses/"', "/uses/?on=", "/void/", "/offers/"]:
        assert path in commands, path


@pytest.mark.django_db(transaction=True)
def test_the_curl_examples_work_as_documented(live_server):
    world = build_world()
    services.grant_agency(world.venue_a, world.agency_a, world.users["venue_admin"])
    secret = services.create_api_key(world.agency_a, "docs", ["check", "record", "read"], None).secret
    env = {
        **os.environ,
        "KAIKU": live_server.url,
        "KEY": secret,
        "VENUE": str(world.venue_a.pk),
        "CARD": world.card_a.number,
    }
    for command, expected in examples():
        done = subprocess.run(  # noqa: S603 - the commands are our own documentation
            ["/bin/bash", "-c", command], env=env, capture_output=True, text=True, timeout=30, check=True
        )
        actual = json.loads(done.stdout)
        same_shape(actual, expected)
        if isinstance(actual, dict) and "idempotency_key" in actual:
            env["USE"] = str(actual["id"])
