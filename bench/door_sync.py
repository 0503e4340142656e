"""Benchmark: syncing a door device's queue of 1,000 offline uses through the real API.

Starts gunicorn as `make run` does on a throwaway database (SQLite, or PostgreSQL
with --postgres) holding a venue, 5,000 registered cards (a tenth of them inactivated
after the device went offline, so their uses come back forced) and a device token.
Then, in rounds (default 3):

1. **sync**: POST one batch of 1,000 queued uses (signed codes, offline, distinct
   idempotency keys, device times spread over the last hours) to
   ``/api/door/venues/<id>/uses/`` with the device token — wall time of the request;
2. **replay**: POST the very same batch again (a device that did not hear the answer)
   — nothing may be recorded twice;
3. a batch of one use.

After each round the **baseline**: 1,000 offline uses recorded by calling ``record_use``
directly in one process, one by one (no HTTP, JSON or code verification). The sync re-checks
every use with the batch form of that service (``record_uses``), so it runs well under this
baseline; the ratio shows what batching saves. Afterwards the database must hold
exactly what was sent, once.
Goal (issue 3): a 1,000-use batch synced in under 3 s, on SQLite and on PostgreSQL.

    .venv/bin/python bench/door_sync.py [--rounds 3] [--postgres]
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common

NAME = "door_sync"
GOAL_SECONDS = 3.0
BATCH = 1000
TOKEN = "kkd_bench-door-device"

SETUP = (
    common.AREA_SETUP
    + """
import json
from kaiku.door.codes import card_code
from kaiku.door.models import DeviceToken
from kaiku.web.tokens import token_hash

venue = Site.objects.create(kind=Site.Kind.VENUE, name="Venue", area=area, municipality=muni, sector=Sector.CULTURE)
DeviceToken.objects.create(venue=venue, label="bench", token_hash=token_hash(TOKEN), hint=TOKEN[:8])
active_cards(5000, lambda: 1980)
cards = list(Card.objects.select_related("site__area").order_by("pk"))
codes = [card_code(c) for c in cards]
# Inactivated after the device went offline: the device still accepts their codes.
Card.objects.filter(pk__in=[c.pk for c in cards[::10]]).update(status=Card.Status.INACTIVE, code_version=2)
print(json.dumps({"venue": venue.pk, "codes": codes}))
"""
)

# The baseline for the door's sync: the same number of offline uses recorded one by one with
# visits.services.record_use in one process, without HTTP, JSON or code checks.
DIRECT = """
import json, time, uuid
from django.db import transaction
from kaiku.cards.models import Card
from kaiku.network.models import Site
from kaiku.visits.models import Channel
from kaiku.visits.services import UseRequest, record_use

venue = Site.objects.get(pk=VENUE)
numbers = list(Card.objects.order_by("pk").values_list("number", flat=True)[:1000])
prefix = uuid.uuid4().hex[:8]
began = time.perf_counter()
for start in range(0, len(numbers), 100):
    with transaction.atomic():
        for i, number in enumerate(numbers[start:start + 100]):
            record_use(UseRequest(venue=venue, number=number, channel=Channel.OFFLINE,
                                  idempotency_key=f"direct-{prefix}-{start + i}", accepted_offline=True))
print(json.dumps({"seconds": time.perf_counter() - began}))
"""

COUNT = """
import json
from kaiku.visits.models import Use
print(json.dumps({"uses": Use.objects.count(), "forced": Use.objects.filter(forced=True).count()}))
"""


def post(server: common.Server, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any], float]:
    conn = http.client.HTTPConnection(server.host, server.port, timeout=120)
    data = json.dumps(body).encode()
    headers = {"Authorization": f"Device {TOKEN}", "Content-Type": "application/json"}
    began = time.perf_counter()
    conn.request("POST", path, body=data, headers=headers)
    response = conn.getresponse()
    payload = json.loads(response.read() or b"{}")
    took = time.perf_counter() - began
    conn.close()
    return response.status, payload, took


def batch(codes: list[str], round_no: int, size: int) -> list[dict[str, Any]]:
    now = dt.datetime.now(dt.UTC)
    prefix = uuid.uuid4().hex[:8]
    return [
        {
            "key": f"{prefix}-{round_no}-{i}",
            "text": codes[(round_no * size + i) % len(codes)],
            "scanned_at": (now - dt.timedelta(seconds=10 * (size - i))).isoformat(),
            "offline": True,
            "children": i % 3,
        }
        for i in range(size)
    ]


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args(argv)
    if args.postgres:
        common.reexec_with_postgres([str(Path(__file__).resolve()), *argv])
    database = "postgresql" if os.environ.get("DATABASE_URL") else "sqlite"
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    rounds = []
    direct: list[float] = []
    with common.temp_dir() as tmp:
        env = {**common.database_env(tmp), "CARD_SIGNING_KEY": pem.decode()}
        print(f"[{NAME}] migrating a fresh {database} database and generating data ...", flush=True)
        common.migrate(env)
        data = json.loads(common.django_script(f"TOKEN = {TOKEN!r}\n" + SETUP, env).strip().splitlines()[-1])
        path = f"/api/door/venues/{data['venue']}/uses/"
        with common.gunicorn(env) as server:
            status, _payload, _took = post(server, path, {"uses": batch(data["codes"], 99, 1)})
            if status != 200:
                raise RuntimeError(f"the door API answered HTTP {status}")
            for r in range(args.rounds):
                uses = batch(data["codes"], r, BATCH)
                status, answer, sync_s = post(server, path, {"uses": uses})
                results = answer["results"]
                assert status == 200 and all(x["created"] for x in results), "first sync must record every use"
                forced = sum(1 for x in results if x["forced"])
                status, again, replay_s = post(server, path, {"uses": uses})
                assert status == 200 and not any(x["created"] for x in again["results"]), "a replay recorded uses"
                _s, _a, one_s = post(server, path, {"uses": batch(data["codes"], 1000 + r, 1)})
                # The baseline right after, on the same database, so both see the same machine load.
                out = common.django_script(f"VENUE = {data['venue']}\n" + DIRECT, env)
                direct.append(json.loads(out.strip().splitlines()[-1])["seconds"])
                rounds.append(
                    {
                        "sync_s": round(sync_s, 3),
                        "replay_s": round(replay_s, 3),
                        "one_use_s": round(one_s, 4),
                        "direct_s": round(direct[-1], 3),
                        "ratio": round(sync_s / direct[-1], 2),
                        "forced": forced,
                    }
                )
                print(
                    f"[{NAME}] round {r + 1}/{args.rounds}: 1,000 uses synced in {sync_s:.2f} s ({forced} forced), "
                    f"replayed in {replay_s:.2f} s; a one-use batch {one_s * 1000:.1f} ms; "
                    f"record_use alone {direct[-1]:.2f} s (ratio {sync_s / direct[-1]:.2f})",
                    flush=True,
                )
        counts = json.loads(common.django_script(COUNT, env).strip().splitlines()[-1])
    expected = args.rounds * (BATCH + 1) + 1 + args.rounds * BATCH
    med = {
        k: round(common.median_of([float(r[k]) for r in rounds]), 4)
        for k in ("sync_s", "replay_s", "one_use_s", "direct_s", "ratio")
    }
    result = {
        "database": database,
        "batch": BATCH,
        "rounds": rounds,
        "median": med,
        "uses_in_database": counts["uses"],
        "expected_uses": expected,
        "goal_s": GOAL_SECONDS,
        "meets_goal": med["sync_s"] < GOAL_SECONDS and counts["uses"] == expected,
        "record_use_direct_s": med["direct_s"],
        "ratio_sync_to_direct_record_use": med["ratio"],
        "load_average_at_end": list(os.getloadavg()),
    }
    saved = common.save_result(f"{NAME}-{database}", result)
    print(
        f"[{NAME}] {database}: median sync of {BATCH} uses {med['sync_s']:.2f} s (goal < {GOAL_SECONDS:g} s: "
        f"{'met' if result['meets_goal'] else 'NOT met'}), replay {med['replay_s']:.2f} s, one-use batch "
        f"{med['one_use_s'] * 1000:.1f} ms; record_use alone {med['direct_s']:.2f} s "
        f"(sync/direct {result['ratio_sync_to_direct_record_use']}); {counts['uses']}/{expected} uses stored, none doubled → "
        f"{saved.relative_to(common.ROOT)}"
    )
    return 0 if counts["uses"] == expected else 1


if __name__ == "__main__":
    sys.exit(main())
