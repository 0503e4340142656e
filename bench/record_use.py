"""Benchmark: recording uses through the real HTTP path of a running server.

Starts gunicorn as `make run` does on a throwaway database (SQLite, or PostgreSQL
with --postgres) holding generated data: a venue with staff and a door device,
20,000 cards and 100,000 earlier uses. A venue staff member signs in over HTTP;
then, in rounds, for the two ways a use reaches the server:

- the venue desk: POSTing the venue page's record form (session + CSRF cookie,
  ``step=record``, answered with a redirect);
- the door page online: POSTing one use as JSON to the door API
  (``/api/door/venues/<id>/uses/`` with a device token), as ``door.js`` does for
  each card it reads while online;

1. uses recorded at a fixed rate (default 100/s) — median and p99 latency;
2. the same server's trivial endpoint ``/healthz`` at the same fixed rate;
3. maximum throughput of ``/healthz`` and of recording (closed loop, wrk if
   installed), and their ratio (for information);
4. for scale, the maximum throughput of the smallest signed-in request, ``GET
   /api/door/me/`` with the staff session (loads the session, the user, the roles and
   the venues, records nothing): what any signed-in request costs before its work.

Each maximum-throughput phase also records the server's CPU time per answered request
(gunicorn's processes; not PostgreSQL's): throughput moves with whatever else the
machine runs, the cost of a request much less.

Goal (issue 21, restating issue 2's): p99 under 25 ms at 100 uses/s, and at least
200 uses/s, through the venue desk and the door API. The summary reports the median
over the rounds.

    .venv/bin/python bench/record_use.py [--rounds 3] [--seconds 20] [--postgres] [--warmup 5]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.parse
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common
from common import Measurement, Request

NAME = "record_use"
GOAL_P99_MS = 25.0
GOAL_THROUGHPUT = 200.0
PASSWORD = "bench-password-123"

SETUP = (
    common.AREA_SETUP
    + """
import json, random
from kaiku.accounts.models import Role, RoleAssignment, User
from kaiku.visits.models import Channel, Use

rng = random.Random(2026)
venues = [
    Site.objects.create(kind=Site.Kind.VENUE, name=f"Venue {i}", area=area, municipality=muni, sector=Sector.CULTURE)
    for i in range(5)
]
venue = venues[0]
staff = User.objects.create_user("door@bench.example", PASSWORD)
RoleAssignment.objects.create(user=staff, role=Role.VENUE_STAFF, site=venue)
active_cards(CARDS, lambda: rng.randint(1940, 2008))
cards = list(Card.objects.all())
now = timezone.now()
uses = []
for i in range(HISTORY):
    when = now - dt.timedelta(minutes=rng.randint(60, 60 * 24 * 700))
    uses.append(Use(
        card=rng.choice(cards), venue=rng.choice(venues), outcome=Use.Outcome.ACCEPTED, adults=1,
        children=rng.choice([0, 0, 0, 1, 2]), sector=Sector.CULTURE, channel=Channel.TYPED,
        scanned_at=when, used_on=timezone.localdate(when), idempotency_key=f"history-{i}", recorded_by=staff,
    ))
Use.objects.bulk_create(uses, batch_size=2000)
from kaiku.door.services import create_device_token
_device, token = create_device_token(venue, "Benchmark door", staff)
print(json.dumps({"venue": venue.pk, "email": staff.email, "token": token, "numbers": [c.number for c in cards[:2000]]}))
"""
)

COUNT = """
import json
from kaiku.visits.models import Use
bench = Use.objects.exclude(idempotency_key__startswith="history-")
print(json.dumps({"accepted": bench.filter(outcome="accepted").count(), "refused": bench.filter(outcome="refused").count()}))
"""


def record_body(csrf: str, number: str, key: str, children: int) -> bytes:
    return urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": csrf,
            "step": "record",
            "number": number,
            "idempotency_key": key,
            "children": children,
            "community_clients": 0,
            "assistants": 0,
            "sector": "culture",
        }
    ).encode()


def door_body(number: str, key: str, children: int) -> bytes:
    return json.dumps({"uses": [{"key": key, "text": number, "children": children, "read_with": "typed"}]}).encode()


def _wrk_post_script(path: str, numbers: list[str], prefix: str, headers: dict[str, str], body: str) -> str:
    """A wrk script POSTing to path; ``body`` is a Lua expression of ``number`` and ``key``
    (a fresh idempotency key per request and wrk thread) and ``counter``."""
    q = common.lua_string
    header_table = ", ".join(f"[{q(name)}] = {q(value)}" for name, value in headers.items())
    return f"""
local numbers = {{{", ".join(q(n) for n in numbers[:500])}}}
local counter = 0
local threads_seen = 0
tid = 0
setup = function(thread)
  threads_seen = threads_seen + 1
  thread:set("tid", threads_seen)
end
request = function()
  counter = counter + 1
  local number = numbers[(counter % #numbers) + 1]
  local key = {q(prefix)} .. "-" .. tid .. "-" .. counter
  local body = {body}
  return wrk.format("POST", {q(path)}, {{{header_table}}}, body)
end
"""


def wrk_door_script(path: str, token: str, numbers: list[str], prefix: str) -> str:
    body = (
        """'{"uses": [{"key": "' .. key .. '", "text": "' .. number .. '", "children": ' .. (counter % 3)"""
        """ .. ', "read_with": "typed"}]}'"""
    )
    headers = {"Authorization": f"Device {token}", "Content-Type": "application/json"}
    return _wrk_post_script(path, numbers, prefix, headers, body)


def wrk_record_script(path: str, cookie: str, csrf: str, numbers: list[str], prefix: str) -> str:
    body = (
        f'"csrfmiddlewaretoken=" .. {common.lua_string(csrf)} .. "&step=record&number=" .. number'
        ' .. "&idempotency_key=" .. key .. "&children=" .. (counter % 3)'
        ' .. "&community_clients=0&assistants=0&sector=culture"'
    )
    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    return _wrk_post_script(path, numbers, prefix, headers, body)


WRK_HEALTHZ = 'wrk.path = "/healthz"\n'
# bench/floor_app.py's path (--floor).
FLOOR_PATH = "/bench/floor-use/"


def run(
    rounds: int,
    seconds: float,
    rate: float,
    max_seconds: float,
    workers: int = 2,
    threads: int = 4,
    floor: bool = False,
    warmup: float = 0.0,
) -> dict[str, object]:
    database = "postgresql" if os.environ.get("DATABASE_URL") else "sqlite"
    with common.temp_dir() as tmp:
        env = common.database_env(tmp)
        print(f"[{NAME}] migrating a fresh {database} database and generating data ...", flush=True)
        common.migrate(env)
        setup = f"CARDS = 20000\nHISTORY = 100000\nPASSWORD = {PASSWORD!r}\n" + SETUP
        data = json.loads(common.django_script(setup, env).strip().splitlines()[-1])
        app = "kaiku.wsgi"
        if floor:
            # bench/floor_app.py: Kaiku plus the floor's path (see its docstring).
            env = {**env, "PYTHONPATH": os.pathsep.join([env["PYTHONPATH"], str(Path(__file__).resolve().parent)])}
            app = "floor_app"
        with common.gunicorn(env, workers=workers, threads=threads, app=app) as server:
            browser = common.Browser(server.host, server.port)
            browser.sign_in(data["email"], PASSWORD)
            csrf = browser.cookies["csrftoken"]
            cookie = browser.cookie_header(("sessionid", "csrftoken"))
            path = f"/visits/venue/{data['venue']}/"
            numbers: list[str] = data["numbers"]
            headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
            door_path = f"/api/door/venues/{data['venue']}/uses/"
            door_headers = {"Authorization": f"Device {data['token']}", "Content-Type": "application/json"}

            # A use is only recorded if the form is accepted and the card is valid: check once.
            probe = Request("POST", path, record_body(csrf, numbers[0], "probe", 0), headers)
            status, _body = browser_send(server, probe)
            if status != 302:
                raise RuntimeError(f"recording a use answered HTTP {status}, expected a redirect (302)")

            if warmup:
                # Unmeasured: every worker thread opens its database connection and loads
                # what it loads lazily on its first requests, which otherwise falls on the
                # first round's first phase (the venue desk at the fixed rate).
                print(f"[{NAME}] warming up for {warmup:g} s per channel ...", flush=True)
                common.fixed_rate(
                    server,
                    "warm-up desk",
                    lambda i: Request(
                        "POST", path, record_body(csrf, numbers[i % len(numbers)], f"warm-{i}", i % 3), headers
                    ),
                    rate,
                    warmup,
                    expected=(302,),
                )
                common.fixed_rate(
                    server,
                    "warm-up door",
                    lambda i: Request(
                        "POST", door_path, door_body(numbers[(i + 3) % len(numbers)], f"warm-door-{i}", 0), door_headers
                    ),
                    rate,
                    warmup,
                )

            all_rounds: list[dict[str, dict[str, object]]] = []
            for r in range(rounds):
                prefix = f"r{r}-{uuid.uuid4().hex[:8]}"

                def record(i: int, prefix: str = prefix) -> Request:
                    body = record_body(csrf, numbers[i % len(numbers)], f"{prefix}-fixed-{i}", i % 3)
                    return Request("POST", path, body, headers)

                def healthz(i: int) -> Request:
                    return Request("GET", "/healthz")

                def door(i: int, prefix: str = prefix, kind: str = "fixed") -> Request:
                    body = door_body(numbers[(i + 7) % len(numbers)], f"{prefix}-door-{kind}-{i}", i % 3)
                    return Request("POST", door_path, body, door_headers)

                phases: list[Measurement] = [
                    common.fixed_rate(server, "record use", record, rate, seconds, expected=(302,)),
                    common.fixed_rate(server, "healthz", healthz, rate, seconds / 2),
                    common.max_throughput(server, "healthz", healthz, max_seconds, wrk_lua=WRK_HEALTHZ),
                    common.max_throughput(
                        server,
                        "record use",
                        lambda i, prefix=prefix: Request(
                            "POST",
                            path,
                            record_body(csrf, numbers[i % len(numbers)], f"{prefix}-max-{i}", i % 3),
                            headers,
                        ),
                        max_seconds,
                        expected=(302,),
                        wrk_lua=wrk_record_script(path, cookie, csrf, numbers, f"{prefix}-max"),
                    ),
                    common.fixed_rate(server, "door API", door, rate, seconds),
                    common.max_throughput(
                        server,
                        "door API",
                        lambda i, prefix=prefix: door(i, prefix, "max"),
                        max_seconds,
                        wrk_lua=wrk_door_script(door_path, data["token"], numbers, f"{prefix}-door-max"),
                    ),
                    common.max_throughput(
                        server,
                        "signed-in GET",
                        lambda i: Request("GET", "/api/door/me/", b"", {"Cookie": cookie}),
                        max_seconds,
                        wrk_lua=f'wrk.path = "/api/door/me/"\nwrk.headers["Cookie"] = {common.lua_string(cookie)}\n',
                    ),
                ]
                keys = [
                    "record_fixed",
                    "healthz_fixed",
                    "healthz_max",
                    "record_max",
                    "door_fixed",
                    "door_max",
                    "signed_in_max",
                ]
                if floor:
                    phases.append(
                        common.max_throughput(
                            server,
                            "floor",
                            lambda i, prefix=prefix: Request(
                                "POST",
                                FLOOR_PATH,
                                door_body(numbers[(i + 11) % len(numbers)], f"{prefix}-floor-{i}", i % 3),
                                door_headers,
                            ),
                            max_seconds,
                            wrk_lua=wrk_door_script(FLOOR_PATH, data["token"], numbers, f"{prefix}-floor"),
                        )
                    )
                    keys.append("floor_max")
                print(f"[{NAME}] round {r + 1}/{rounds}", flush=True)
                for m in phases:
                    print("   " + m.line(), flush=True)
                all_rounds.append({k: m.as_dict() for k, m in zip(keys, phases, strict=True)})

        counts = json.loads(common.django_script(COUNT, env).strip().splitlines()[-1])

    def med(phase: str, key: str) -> float:
        return round(common.median_of([float(r[phase][key]) for r in all_rounds]), 2)  # type: ignore[arg-type]

    def ratio(phase: str) -> float:
        return round(
            common.median_of(
                [
                    float(r[phase]["throughput"]) / float(r["healthz_max"]["throughput"])  # type: ignore[arg-type]
                    for r in all_rounds
                ]
            ),
            3,
        )

    def cpu(phase: str) -> float:
        return round(common.median_of([float(r[phase]["extra"].get("server_cpu_ms", 0)) for r in all_rounds]), 3)  # type: ignore[index,union-attr]

    errors = sum(int(r[p]["errors"]) for r in all_rounds for p in r)  # type: ignore[call-overload]
    dropped = sum(int(r[p]["extra"].get("dropped", 0)) for r in all_rounds for p in r)  # type: ignore[call-overload,index,union-attr]
    summary = {
        "database": database,
        "rate": rate,
        "record_fixed_median_ms": med("record_fixed", "median_ms"),
        "record_fixed_p99_ms": med("record_fixed", "p99_ms"),
        "record_fixed_throughput": med("record_fixed", "throughput"),
        "healthz_fixed_median_ms": med("healthz_fixed", "median_ms"),
        "healthz_fixed_p99_ms": med("healthz_fixed", "p99_ms"),
        "healthz_max_throughput": med("healthz_max", "throughput"),
        "record_max_throughput": med("record_max", "throughput"),
        "record_max_p99_ms": med("record_max", "p99_ms"),
        "ratio": ratio("record_max"),
        "door_fixed_median_ms": med("door_fixed", "median_ms"),
        "door_fixed_p99_ms": med("door_fixed", "p99_ms"),
        "door_max_throughput": med("door_max", "throughput"),
        "door_ratio": ratio("door_max"),
        "signed_in_max_throughput": med("signed_in_max", "throughput"),
        "signed_in_ratio": ratio("signed_in_max"),
        # Server CPU per request (median over rounds): the cost ratio that throughput would
        # show on a machine with nothing else running.
        "healthz_cpu_ms": cpu("healthz_max"),
        "record_cpu_ms": cpu("record_max"),
        "door_cpu_ms": cpu("door_max"),
        "signed_in_cpu_ms": cpu("signed_in_max"),
        "floor": floor,
        "warmup_seconds": warmup,
        "errors": errors,
        "dropped": dropped,
        "uses_accepted": counts["accepted"],
        "uses_refused": counts["refused"],
    }
    if floor:
        summary["floor_max_throughput"] = med("floor_max", "throughput")
        summary["floor_ratio"] = ratio("floor_max")
        summary["floor_cpu_ms"] = cpu("floor_max")
    summary["goal_p99_met"] = summary["record_fixed_p99_ms"] < GOAL_P99_MS
    summary["goal_throughput_met"] = summary["record_max_throughput"] >= GOAL_THROUGHPUT
    summary["door_goal_p99_met"] = summary["door_fixed_p99_ms"] < GOAL_P99_MS
    summary["door_goal_throughput_met"] = summary["door_max_throughput"] >= GOAL_THROUGHPUT
    return {"summary": summary, "rounds": all_rounds}


def browser_send(server: common.Server, req: Request) -> tuple[int, bytes]:
    import http.client

    conn = http.client.HTTPConnection(server.host, server.port, timeout=30)
    conn.request(req.method, req.path, body=req.body, headers=req.headers)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=20, help="length of the fixed-rate recording phase")
    parser.add_argument("--max-seconds", type=float, default=8, help="length of each maximum-throughput phase")
    parser.add_argument("--rate", type=float, default=100, help="uses per second in the fixed-rate phase")
    parser.add_argument("--postgres", action="store_true", help="run on a throwaway PostgreSQL 15 cluster")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (make run: 2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (make run: 4)")
    parser.add_argument(
        "--floor",
        action="store_true",
        help="serve bench/floor_app.py (Kaiku plus a raw-SQL use path) and measure that path too",
    )
    parser.add_argument(
        "--warmup",
        type=float,
        default=0,
        help="seconds of unmeasured desk and door uses at the fixed rate before the first round",
    )
    args = parser.parse_args(argv)
    if args.postgres and not os.environ.get("DATABASE_URL"):
        common.reexec_with_postgres([str(Path(__file__).resolve()), *(argv if argv is not None else sys.argv[1:])])
    result = run(
        args.rounds, args.seconds, args.rate, args.max_seconds, args.workers, args.threads, args.floor, args.warmup
    )
    s = result["summary"]
    assert isinstance(s, dict)
    path = common.save_result(f"{NAME}-{s['database']}", result)
    print(
        f"[{NAME}] {s['database']}: recording at {s['rate']:g}/s median {s['record_fixed_median_ms']} ms,"
        f" p99 {s['record_fixed_p99_ms']} ms (goal < {GOAL_P99_MS:g}: {'met' if s['goal_p99_met'] else 'MISSED'});"
        f" max {s['record_max_throughput']} uses/s (goal >= {GOAL_THROUGHPUT:g}:"
        f" {'met' if s['goal_throughput_met'] else 'MISSED'}), healthz {s['healthz_max_throughput']} req/s,"
        f" ratio {s['ratio']:.0%};"
        f" door API at {s['rate']:g}/s median {s['door_fixed_median_ms']} ms, p99 {s['door_fixed_p99_ms']} ms"
        f" ({'met' if s['door_goal_p99_met'] else 'MISSED'}); max {s['door_max_throughput']} uses/s"
        f" ({'met' if s['door_goal_throughput_met'] else 'MISSED'}), ratio {s['door_ratio']:.0%};"
        f" a signed-in GET of /api/door/me/ {s['signed_in_max_throughput']} req/s, ratio {s['signed_in_ratio']:.0%};"
        f" server CPU per request: healthz {s['healthz_cpu_ms']} ms, venue desk {s['record_cpu_ms']} ms,"
        f" door API {s['door_cpu_ms']} ms, signed-in GET {s['signed_in_cpu_ms']} ms;"
        f" errors {s['errors']} ({s['dropped']} dropped by an overloaded server),"
        f" uses recorded {s['uses_accepted']}, refused {s['uses_refused']}"
    )
    if args.floor:
        print(
            f"[{NAME}] floor (raw SQL, no rules, outside Django's request handling):"
            f" max {s['floor_max_throughput']} uses/s, ratio {s['floor_ratio']:.0%},"
            f" server CPU {s['floor_cpu_ms']} ms per use"
        )
    print(f"[{NAME}] saved {path.relative_to(common.ROOT)}")
    # Dropped requests are a missed goal, not a broken run; any other error or a refusal is.
    ok = s["errors"] == s["dropped"] and s["uses_refused"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
