"""Benchmark: searching the public offer catalogue with 50,000 offers across 5,000 venues.

Generates (with bulk_create) 20 areas, 100 municipalities, 5,000 venues and
50,000 offers (70% events with 1-4 dates, 15% courses, 15% ongoing admission),
their ~90,000 occurrences, 60,000 accepted uses and 8,000 reservations on those
occurrences, and a few offers with last-minute seats. Then gunicorn serves it as
`make run` does, and one client asks, one request at a time, a fixed mix of
catalogue searches (nationwide, per area, text, filters, places left, date range,
later pages), each several times per round, and `/healthz` as the baseline in the
same run. Sequential requests over a keep-alive connection: the latency is the
server's time plus a loopback round trip, which the /healthz baseline shows.

Goal (issue 4): median server time of a catalogue search under 100 ms on SQLite
and on PostgreSQL. The summary reports the median over all searches, each
search's median over the rounds, and the /healthz median.

    .venv/bin/python bench/catalogue_search.py [--rounds 3] [--repeat 5] [--postgres]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common

NAME = "catalogue_search"
GOAL_MEDIAN_MS = 100.0

SETUP = """
import datetime as dt, json, random
from django.utils import timezone
from kaiku.cards import numbers
from kaiku.cards.models import Card
from kaiku.network.models import Area, Municipality, Sector, Site
from kaiku.offers.models import ArtForm, Occurrence, Offer, Reservation, TicketMethod, search_text
from kaiku.visits.models import Channel, Use

rng = random.Random(2026)
now = timezone.now()
today = timezone.localdate()
areas = Area.objects.bulk_create(
    [Area(name=f"Alue {i}", slug=f"alue-{i}", status=Area.Status.ACTIVE) for i in range(20)]
)
munis = Municipality.objects.bulk_create(
    [Municipality(code=f"{i:03d}", name_fi=f"Kunta {i}", name_sv=f"Kommun {i}", area=areas[i % 20]) for i in range(100)]
)
venue_words = ["Teatteri", "Museo", "Konserttitalo", "Uimahalli", "Kansalaisopisto", "Tiedekeskus", "Galleria", "Kirjasto"]
venues = Site.objects.bulk_create([
    Site(kind=Site.Kind.VENUE, name=f"{rng.choice(venue_words)} {i}", area=munis[i % 100].area,
         municipality=munis[i % 100], sector=rng.choice(list(Sector.values)))
    for i in range(VENUES)
], batch_size=2000)
distributor = Site.objects.create(kind=Site.Kind.DISTRIBUTOR, name="Sosiaalitoimisto", area=areas[0], municipality=munis[0])
words = ["kesä", "konsertti", "teatteri", "näyttely", "tanssi", "elokuva", "sirkus", "kurssi", "ilta", "perhe",
         "jazz", "ooppera", "kuoro", "valokuva", "satu", "tiede", "uinti", "maalaus", "kieli", "runo"]
arts = list(ArtForm.values)
offers = []
for i in range(OFFERS):
    r = rng.random()
    kind = Offer.Kind.EVENT if r < 0.7 else (Offer.Kind.COURSE if r < 0.85 else Offer.Kind.ONGOING)
    start = today + dt.timedelta(days=rng.randint(-120, 180))
    title = " ".join(rng.sample(words, 3)).capitalize()
    offers.append(Offer(
        venue=venues[i % VENUES], kind=kind, sector=rng.choice(list(Sector.values)), art_form=rng.choice(arts),
        title_fi=title, title_sv=f"{title} (sv)", title_en=f"{title} (en)",
        search_text=search_text(title, f"{title} (sv)", f"{title} (en)"),
        description_fi="Kuvaus " * 20, starts_on=start,
        ends_on=start + dt.timedelta(days=rng.choice([0, 0, 30, 90, 200])),
        min_age=rng.choice([None, None, 7, 12, 18]), family_friendly=rng.random() < 0.3,
        step_free=rng.random() < 0.5, hearing_loop=rng.random() < 0.2, sign_language=rng.random() < 0.05,
        easy_to_read=rng.random() < 0.1, sensory_friendly=rng.random() < 0.1, assistant_friendly=rng.random() < 0.4,
        ticket_method=rng.choice(list(TicketMethod.values)), quota=rng.choice([None, 5, 10, 20]),
        sold_out=rng.random() < 0.03,
    ))
offers = Offer.objects.bulk_create(offers, batch_size=2000)
occurrences = []
for offer in offers:
    if offer.kind != Offer.Kind.EVENT:
        continue
    n = rng.randint(1, 4)
    days = sorted(rng.randint(-60, 180) for _ in range(n))
    for d in days:
        occurrences.append(Occurrence(offer=offer, starts_at=now + dt.timedelta(days=d, hours=rng.randint(0, 10)),
                                      quota=rng.choice([None, None, 3])))
    offer.starts_on = timezone.localdate(occurrences[-n].starts_at)
    offer.ends_on = timezone.localdate(occurrences[-1].starts_at)
Offer.objects.bulk_update([o for o in offers if o.kind == Offer.Kind.EVENT], ["starts_on", "ends_on"], batch_size=2000)
occurrences = Occurrence.objects.bulk_create(occurrences, batch_size=5000)
upcoming = [o for o in occurrences if o.starts_at > now]
# A few last-minute seats, as venues release them before a show.
lm = rng.sample(upcoming, 40)
for occ in lm:
    occ.extra_seats = 5
Occurrence.objects.bulk_update(lm, ["extra_seats"])
for occ in lm:
    Offer.objects.filter(pk=occ.offer_id).update(last_minute_until=occ.starts_at)
cards = Card.objects.bulk_create([
    Card(number=numbers.generate(), site=distributor, status=Card.Status.ACTIVE, issued_on=today,
         valid_until=today + dt.timedelta(days=365), municipality=munis[0])
    for _ in range(2000)
], batch_size=2000, ignore_conflicts=True)
cards = list(Card.objects.all())
uses = []
for i in range(USES):
    occ = rng.choice(occurrences)
    uses.append(Use(card=rng.choice(cards), venue_id=venues[0].pk, offer_id=occ.offer_id, occurrence=occ,
                    outcome=Use.Outcome.ACCEPTED, sector="culture", channel=Channel.TYPED, scanned_at=now,
                    used_on=today, idempotency_key=f"bench-{i}"))
Use.objects.bulk_create(uses, batch_size=5000)
reservations, seen = [], set()
while len(reservations) < RESERVATIONS:
    occ, card = rng.choice(upcoming), rng.choice(cards)
    if (occ.pk, card.pk) in seen:
        continue
    seen.add((occ.pk, card.pk))
    reservations.append(Reservation(card=card, occurrence=occ))
Reservation.objects.bulk_create(reservations, batch_size=5000)
# The full_hint invariant (models.Occurrence.full_hint) for the generated places.
from collections import Counter
taken = Counter(u.occurrence_id for u in uses) + Counter(r.occurrence_id for r in reservations)
full = []
for occ in occurrences:
    base = occ.quota if occ.quota is not None else occ.offer.quota
    if base is not None and taken[occ.pk] >= base + occ.extra_seats:
        occ.full_hint = True
        full.append(occ)
Occurrence.objects.bulk_update(full, ["full_hint"], batch_size=5000)
print(json.dumps({"offers": Offer.objects.count(), "venues": Site.objects.venues().count(),
                  "occurrences": Occurrence.objects.count(), "uses": Use.objects.count(),
                  "reservations": Reservation.objects.count(), "full": len(full), "area": areas[3].slug, "municipality": munis[7].code}))
"""


def searches(data: dict[str, str]) -> dict[str, str]:
    week = time.strftime("%Y-%m-%d", time.localtime(time.time() + 7 * 86400))
    today = time.strftime("%Y-%m-%d")
    month = time.strftime("%Y-%m-%d", time.localtime(time.time() + 30 * 86400))
    return {
        "nationwide": "/offers/",
        "area page": f"/offers/area/{data['area']}/",
        "text": "/offers/?q=konsertti",
        "two words": "/offers/?q=kes%C3%A4+ilta",
        "area + art form": f"/offers/?area={data['area']}&art_form=music",
        "municipality + family": f"/offers/?municipality={data['municipality']}&family=on",
        "next week": f"/offers/?date_from={today}&date_to={week}",
        "places left": "/offers/?places=on",
        "accessibility + sector": "/offers/?access=step_free&access=hearing_loop&sector=culture",
        "everything": f"/offers/?q=teatteri&places=on&date_from={today}&date_to={month}&family=on",
        "page 50": "/offers/?page=50",
    }


def timed_get(conn: http.client.HTTPConnection, path: str) -> tuple[int, float]:
    began = time.perf_counter()
    conn.request("GET", path, headers={"Accept-Language": "fi"})
    response = conn.getresponse()
    response.read()
    return response.status, (time.perf_counter() - began) * 1000


def run(rounds: int, repeat: int, sizes: dict[str, int]) -> dict[str, object]:
    database = "postgresql" if os.environ.get("DATABASE_URL") else "sqlite"
    with common.temp_dir() as tmp:
        env = common.database_env(tmp)
        print(f"[{NAME}] migrating a fresh {database} database and generating data ...", flush=True)
        common.migrate(env)
        setup = "".join(f"{k} = {v}\n" for k, v in sizes.items()) + SETUP
        began = time.monotonic()
        data = json.loads(common.django_script(setup, env).strip().splitlines()[-1])
        print(f"[{NAME}] generated {data} in {time.monotonic() - began:.0f} s", flush=True)
        # Table statistics, as a running server has them (PostgreSQL's autovacuum gathers them by
        # itself; SQLite needs ANALYZE, see docs/offers.md): without them SQLite picks a plan 4x slower.
        command = "VACUUM ANALYZE" if database == "postgresql" else "ANALYZE"
        common.django_script(f"from django.db import connection\nconnection.cursor().execute({command!r})\n", env)
        paths = searches(data)
        per_search: dict[str, list[float]] = {name: [] for name in paths}
        healthz: list[float] = []
        errors = 0
        with common.gunicorn(env) as server:
            conn = http.client.HTTPConnection(server.host, server.port, timeout=60)
            for path in paths.values():  # warm-up: templates, caches, both workers' connections
                for _ in range(2):
                    status, _ms = timed_get(conn, path)
                    if status != 200:
                        raise RuntimeError(f"{path} answered HTTP {status}")
            for r in range(rounds):
                for _ in range(repeat):
                    for name, path in paths.items():
                        status, ms = timed_get(conn, path)
                        errors += status != 200
                        per_search[name].append(ms)
                        status, ms = timed_get(conn, "/healthz")
                        healthz.append(ms)
                print(f"[{NAME}] round {r + 1}/{rounds}", flush=True)
            conn.close()
    every = [ms for values in per_search.values() for ms in values]
    summary = {
        "database": database,
        "postgres_jit": "jit%3Doff" not in os.environ.get("DATABASE_URL", "jit%3Doff"),
        "data": data,
        "searches": len(every),
        "errors": errors,
        "median_ms": round(statistics.median(every), 2),
        "p90_ms": round(common.percentile(every, 90), 2),
        "slowest_search_median_ms": round(max(statistics.median(v) for v in per_search.values()), 2),
        "healthz_median_ms": round(statistics.median(healthz), 2),
        "per_search_median_ms": {k: round(statistics.median(v), 2) for k, v in per_search.items()},
    }
    summary["goal_met"] = summary["median_ms"] < GOAL_MEDIAN_MS
    return {"summary": summary}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=5, help="times each search is asked per round")
    parser.add_argument("--offers", type=int, default=50_000)
    parser.add_argument("--venues", type=int, default=5_000)
    parser.add_argument("--postgres", action="store_true", help="run on a throwaway PostgreSQL 15 cluster")
    parser.add_argument(
        "--pg-jit",
        action="store_true",
        help="leave PostgreSQL's JIT on (by default the server connects with options=-c jit=off, as docs/offers.md"
        " recommends: JIT compiles the catalogue's queries for 100 ms to seconds per request)",
    )
    args = parser.parse_args(argv)
    if args.postgres and not os.environ.get("DATABASE_URL"):
        common.reexec_with_postgres([str(Path(__file__).resolve()), *(argv if argv is not None else sys.argv[1:])])
    url = os.environ.get("DATABASE_URL", "")
    if url and not args.pg_jit and "jit" not in url:
        os.environ["DATABASE_URL"] = url + ("&" if "?" in url else "?") + "options=-c%20jit%3Doff"
    sizes = {"OFFERS": args.offers, "VENUES": args.venues, "USES": 60_000, "RESERVATIONS": 8_000}
    result = run(args.rounds, args.repeat, sizes)
    s = result["summary"]
    assert isinstance(s, dict)
    path = common.save_result(f"{NAME}-{s['database']}", result)
    for name, ms in s["per_search_median_ms"].items():
        print(f"   {name:<26} median {ms:7.2f} ms")
    print(
        f"[{NAME}] {s['database']}: {s['searches']} searches over {s['data']['offers']} offers,"
        f" median {s['median_ms']} ms, p90 {s['p90_ms']} ms, slowest search's median"
        f" {s['slowest_search_median_ms']} ms (goal median < {GOAL_MEDIAN_MS:g} ms:"
        f" {'met' if s['goal_met'] else 'MISSED'}); /healthz median {s['healthz_median_ms']} ms; errors {s['errors']}"
    )
    print(f"[{NAME}] saved {path.relative_to(common.ROOT)}")
    return 0 if s["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
