"""Benchmark: the door's valid-card set (kaiku/door/validset.py) at 100,000 and 1,000,000 cards.

For each size, with generated card numbers (no database) and a fresh signing key:

- ``bytes``: the signed set's size (goal: under 250 kB at 100,000 cards);
- ``build_s``: the server's time to hash, sort, Rice-code and sign it (the database read
  of the numbers is not included; the set is built once per change and shared by every
  venue outside local-only areas);
- ``fpr``: the measured false-positive rate over 1,000,000 numbers not in the set
  (expected 2**-16, 1 in 65,536);
- in Chromium, with ``codes.js``: ``load_ms``, the time to verify the signature and
  decode the set (once per download), and ``typed_ms``, the median time to answer a
  typed number offline with ``KaikuDoorCodes.check`` (revocation list of 10,000 entries
  + HMAC + binary search; goal under 50 ms), timed over groups of 25 numbers, half of
  them in the set.

    .venv/bin/python bench/door_validset.py [--sizes 100000,1000000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common

NAME = "door_validset"
GOAL_BYTES_100K = 250_000
GOAL_TYPED_MS = 50.0
JS = """
async ([blob64, keys, revocations, typed]) => {
  const bin = atob(blob64), bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  const t0 = performance.now();
  const set = await KaikuDoorCodes.loadValidSet(bytes.buffer, keys);
  const load = performance.now() - t0;
  if (!set) throw new Error("the set did not verify");
  const state = {publicKeys: keys, revocations, validSet: set, venue: {area_id: 7}};
  const GROUP = 25, out = [];
  let found = 0;
  for (let i = 0; i < typed.length; i += GROUP) {
    const t = performance.now();
    for (const n of typed.slice(i, i + GROUP)) { if ((await KaikuDoorCodes.check(n, state)).valid) found++; }
    out.push((performance.now() - t) / GROUP);
  }
  return {load, typed: out, found};
}
"""


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaiku.settings")
    os.environ.setdefault("KAIKU_DEV", "1")
    sys.path.insert(0, str(common.ROOT))
    import django

    django.setup()


def _numbers(count: int, rng: random.Random, exclude: set[str] | None = None) -> list[str]:
    from kaiku.cards import numbers

    out: set[str] = set()
    while len(out) < count:
        body = "".join(rng.choice(numbers.ALPHABET) for _ in range(7))
        number = body + numbers.check_character(body)
        if not exclude or number not in exclude:
            out.add(number)
    return list(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--probes", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    _setup()
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from kaiku.door import keys, validset

    private = Ed25519PrivateKey.generate()
    raw = keys.public_raw(private)
    signing = keys.SigningKey(keys.key_id_for(raw), private, raw)
    public = {str(signing.key_id): base64.b64encode(raw).decode()}
    rng = random.Random(20261204)
    day = dt.date.today()

    sizes = []
    with common.codes_js_page() as page:
        for size in (int(s) for s in args.sizes.split(",")):
            members = _numbers(size, rng)
            member_set = set(members)
            builds = []
            for _ in range(args.rounds):
                t0 = time.perf_counter()
                blob = validset.build(members, day, signing=signing)
                builds.append(time.perf_counter() - t0)
            head = validset.HEADER.unpack_from(blob)
            key, count, bits = head[7], head[4], head[3]
            values = set(validset.rice_decode(blob[validset.HEADER.size : -64], count, bits))
            probes = _numbers(args.probes, rng, member_set)
            false = sum(validset.element(key, n, count << bits) in values for n in probes)
            revocations = {n: [2, "inactivated"] for n in _numbers(10_000, rng, member_set)}
            typed = [n if i % 2 else probes[i] for i, n in enumerate(members[:1000])]
            loads, medians = [], []
            for _ in range(args.rounds):
                answer = page.evaluate(JS, [base64.b64encode(blob).decode(), public, revocations, typed])
                assert answer["found"] >= 500, answer["found"]
                loads.append(answer["load"])
                medians.append(common.percentile(answer["typed"], 50))
            row = {
                "cards": size,
                "bytes": len(blob),
                "bits_per_card": round(len(blob) * 8 / size, 2),
                "build_s": round(common.median_of(builds), 3),
                "fpr": false / len(probes),
                "fpr_expected": 2.0**-bits,
                "load_ms": round(common.median_of(loads), 1),
                "typed_ms": round(common.median_of(medians), 3),
            }
            sizes.append(row)
            print(f"[{NAME}] {row}", flush=True)
        version = page.context.browser.version
    small = next((r for r in sizes if r["cards"] == 100_000), None)
    result = {
        "sizes": sizes,
        "chromium": version,
        "goal_bytes_at_100k": GOAL_BYTES_100K,
        "goal_typed_ms": GOAL_TYPED_MS,
        "meets_goal": (small is None or small["bytes"] < GOAL_BYTES_100K)
        and all(r["typed_ms"] < GOAL_TYPED_MS for r in sizes),
    }
    path = common.save_result(NAME, result)
    print(f"[{NAME}] {'met' if result['meets_goal'] else 'NOT met'} → {path.relative_to(common.ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
