"""Statistics at scale: every dashboard and the national yearly table on generated facts.

Generates a network the size DESIGN §1 plans for (5,000 venues, 400 distributor
sites, 300 municipalities in 20 areas, 1 M cards) and N use facts spread from
1 January 2021 to today, in day order as the use path writes them, inside the database with one INSERT ... SELECT (generate_series on
PostgreSQL, a recursive CTE on SQLite), so that 10 M rows load in minutes. Then
it times, in a Django process, each view's server time (request to response,
templates included) as the median of several rounds:

- the national, area, distributor-site and venue dashboards for the last full year, and
  the national, area and site ones for a period that cuts its first and last month
  (15 January to 20 November), whose cut months have uses outside the period;
- the national and area dashboards as they open, for this year so far (1 January to
  today: whole months from the rollups' month rows, this month's days from their day rows);
- the national and area dashboards for the last full year, and for the cut period, with
  a sector filter; the national one with an art form, card kind, channel or municipality
  filter, and with two or three filters at once (the combined slice), for the year and
  for the cut period; the area one with two filters, for the year and for the cut period;
- folding 1,000 new uses into the slices (``slices.fold``), measured last;
- the national yearly table (all years) and the open-data API;
- baselines in the same run: ``/healthz`` and one ``COUNT(*)`` of a year's facts.

    .venv/bin/python bench/stats_dashboards.py                      # SQLite, 1 M uses
    .venv/bin/python bench/stats_dashboards.py --postgres --uses 10000000
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import database_env, django_script, migrate, reexec_with_postgres, save_result, temp_dir

SETUP = r"""
import json, time
from django.db import connection
from kaiku.accounts.models import Role, RoleAssignment, User
from kaiku.network.models import Area, Municipality, Site
from kaiku.stats.facts import rebuild_card_rollup, rebuild_card_years
from kaiku.stats.slices import rebuild_slices

N = {uses}
import datetime as _dt
from django.utils import timezone as _tz
AREAS, MUNIS, VENUES, DISTRIBUTORS, CARDS = 20, 300, 5000, 400, 1_000_000
DAYS = (_tz.localdate() - _dt.date(2021, 1, 1)).days + 1  # 1 January 2021 to today
t0 = time.perf_counter()
areas = Area.objects.bulk_create([Area(name=f"Alue {{i}}", slug=f"alue-{{i}}", status="active") for i in range(AREAS)])
munis = Municipality.objects.bulk_create(
    [Municipality(code=f"{{i:03d}}", name_fi=f"Kunta {{i}}", area=areas[i % AREAS]) for i in range(MUNIS)]
)
venues = Site.objects.bulk_create(
    [Site(kind="venue", name=f"Paikka {{i}}", area=areas[i % MUNIS % AREAS], municipality=munis[i % MUNIS])
     for i in range(VENUES)]
)
dists = Site.objects.bulk_create(
    [Site(kind="distributor", name=f"Jakaja {{i}}", area=areas[i % MUNIS % AREAS], municipality=munis[i % MUNIS])
     for i in range(DISTRIBUTORS)]
)
a0, m0, v0, d0 = areas[0].pk, munis[0].pk, venues[0].pk, dists[0].pk
assert [a.pk for a in areas] == list(range(a0, a0 + AREAS))
assert [v.pk for v in venues] == list(range(v0, v0 + VENUES))
assert [d.pk for d in dists] == list(range(d0, d0 + DISTRIBUTORS))
assert [m.pk for m in munis] == list(range(m0, m0 + MUNIS))
pg = connection.vendor == "postgresql"
# Deterministic hashes of the row number: SQLite may evaluate a subquery's column once
# per reference, so random() would not give one value per row. Each is taken modulo a
# large prime first, so that the columns are independent of one another (before
# 2026-11-28 every column was a function of g mod 100, which tied each venue to one
# sector, art form, age band and channel: 36 of the 120 filter combinations occurred).
PRIMES = iter([2654435761, 2246822519, 3266489917, 668265263, 374761393, 1181783497, 2869860233, 3575712277,
               2147483647, 1610612741])
if pg:
    src = f"FROM generate_series(1, {{N}}) AS s(i) CROSS JOIN LATERAL (SELECT i::bigint AS g) AS gg"
    day = "(date '2021-01-01' + ((g - 1) * {{DAYS}} / {{N}})::int)"
    y, mo = "extract(year from d)::int", "extract(month from d)::int"
else:
    src = f"FROM (WITH RECURSIVE c(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM c WHERE g < {{N}}) SELECT g FROM c)"
    day = "date('2021-01-01', '+' || ((g - 1) * {{DAYS}} / {{N}}) || ' days')"
    y, mo = "CAST(strftime('%Y', d) AS INTEGER)", "CAST(strftime('%m', d) AS INTEGER)"
R = lambda n: f"(((g * {{next(PRIMES)}}) % 1000003) % {{n}})"
sectors = "CASE WHEN sx < 38 THEN 'culture' WHEN sx < 43 THEN 'education' WHEN sx < 48 THEN 'science' ELSE 'sports' END"
art = "CASE WHEN ax < 40 THEN '' WHEN ax < 55 THEN 'music' WHEN ax < 70 THEN 'theatre' WHEN ax < 85 THEN 'museum' ELSE 'sports' END"
# The holder's home municipality: for 75 % of uses one of the venue's area's municipalities
# (municipality i is in area i % AREAS), else any; the life situation: the registration
# form's choices, a tenth not stated.
home = f"CASE WHEN hx < 75 THEN (v % {{MUNIS}}) % {{AREAS}} + {{AREAS}} * (k % ({{MUNIS}} / {{AREAS}})) ELSE k % {{MUNIS}} END"
situations = (
    "CASE WHEN lx < 25 THEN 'unemployed' WHEN lx < 40 THEN 'student' WHEN lx < 60 THEN 'pensioner' "
    "WHEN lx < 70 THEN 'employed' WHEN lx < 75 THEN 'family_leave' WHEN lx < 82 THEN 'rehabilitation' "
    "WHEN lx < 85 THEN 'asylum' WHEN lx < 90 THEN 'other' ELSE '' END"
)
ages = "CASE WHEN gx < 20 THEN '16-24' WHEN gx < 40 THEN '25-34' WHEN gx < 65 THEN '35-49' WHEN gx < 90 THEN '50-64' ELSE '65+' END"
inner = (
    f"SELECT {{day.format(DAYS=DAYS, N=N)}} AS d, {{R(VENUES)}} AS v, {{R(CARDS)}} AS k, {{R(100)}} AS sx, {{R(100)}} AS ax, "
    f"{{R(100)}} AS gx, {{R(100)}} AS ox, {{R(10)}} AS cx, {{R(100)}} AS hx, {{R(100)}} AS lx {{src}}"
)
sql = (
    "INSERT INTO stats_usefact (day, year, month, venue_id, venue_area_id, venue_municipality_id, card_key, "
    "card_site_id, card_area_id, card_municipality_id, age_band, gender, card_kind, sector, art_form, adults, "
    "children, community_clients, assistants, channel, outcome, reason, voided, life_situation) "
    f"SELECT d, {{y}}, {{mo}}, {{v0}} + v, {{a0}} + (v % {{MUNIS}}) % {{AREAS}}, {{m0}} + v % {{MUNIS}}, k + 1, "
    f"{{d0}} + k % {{DISTRIBUTORS}}, {{a0}} + (k % {{DISTRIBUTORS}}) % {{MUNIS}} % {{AREAS}}, {{m0}} + {{home}}, "
    f"{{ages}}, CASE WHEN gx % 3 = 0 THEN 'woman' WHEN gx % 3 = 1 THEN 'man' ELSE '' END, "
    f"CASE WHEN k % 50 = 0 THEN 'community' ELSE 'personal' END, {{sectors}}, {{art}}, 1, "
    f"CASE WHEN cx < 7 THEN 0 ELSE cx - 6 END, 0, CASE WHEN cx = 0 THEN 1 ELSE 0 END, "
    f"CASE WHEN ox < 60 THEN 'scan' WHEN ox < 90 THEN 'typed' ELSE 'agency' END, "
    f"CASE WHEN ox < 97 THEN 'accepted' ELSE 'refused' END, CASE WHEN ox < 97 THEN '' ELSE 'expired' END, "
    f"{{'false' if pg else '0'}}, {{situations}} FROM ({{inner}}) AS x"
)
with connection.cursor() as cur:
    cur.execute(sql)
t_uses = time.perf_counter() - t0
n_cards = max(N // 4, 1000)  # registrations and renewals: about a quarter of the uses
card_sql = (
    "INSERT INTO stats_cardfact (kind, day, year, month, card_key, card_site_id, card_area_id, site_municipality_id, "
    "card_municipality_id, age_band, gender, card_kind) "
    f"SELECT CASE WHEN g % 4 = 0 THEN 'renewed' ELSE 'registered' END, d, {{y}}, {{mo}}, g, {{d0}} + g % {{DISTRIBUTORS}}, "
    f"{{a0}} + (g % {{DISTRIBUTORS}}) % {{MUNIS}} % {{AREAS}}, {{m0}} + (g % {{DISTRIBUTORS}}) % {{MUNIS}}, {{m0}} + g % {{MUNIS}}, "
    f"'35-49', '', 'personal' FROM (SELECT g, {{day.format(DAYS=DAYS, N=n_cards)}} AS d {{src.replace(str(N), str(n_cards))}}) AS x"
)
with connection.cursor() as cur:
    cur.execute(card_sql)
t1 = time.perf_counter()
# intake.rebuild_derived(), step by step, to time the slices apart
rebuild_card_years(); rebuild_card_rollup()
t_derive = time.perf_counter() - t1
t1 = time.perf_counter()
rebuild_slices()
t_slices = time.perf_counter() - t1
with connection.cursor() as cur:
    cur.execute("ANALYZE")
t_all = time.perf_counter() - t0
users = {{}}
for role, kw in [
    ("national_admin", {{}}),
    ("area_coordinator", {{"area": areas[3], "side": "culture"}}),
    ("distributor_staff", {{"site": dists[7]}}),
    ("venue_staff", {{"site": venues[11]}}),
]:
    u = User.objects.create_user(f"{{role}}@bench.example", "x")
    RoleAssignment.objects.create(user=u, role=role, **kw)
    users[role] = u.pk
print(json.dumps({{"load_uses_s": t_uses, "load_all_s": t_all, "derive_s": t_derive, "slices_s": t_slices,
                  "users": users, "area": areas[3].pk, "municipality": munis[3].pk,
                  "site": dists[7].pk, "venue": venues[11].pk}}))
"""

MEASURE = r"""
import json, statistics, time
from django.conf import settings
settings.ALLOWED_HOSTS = ["*"]
from django.db import connection
from django.test import Client
from kaiku.accounts import twofactor
from kaiku.accounts.models import User
from kaiku.stats.models import UseFact

info = json.loads({info!r})
rounds = {rounds}
year = 2025
period = f"?start={{year}}-01-01&end={{year}}-12-31"
cut = f"?start={{year}}-01-15&end={{year}}-11-20"  # cuts its first and last month, which have uses outside it
pages = [
    ("national dashboard", "national_admin", f"/stats/national/{{period}}"),
    ("national dashboard, days cut", "national_admin", f"/stats/national/{{cut}}"),
    ("national dashboard, this year so far", "national_admin", "/stats/national/"),
    ("area dashboard, this year so far", "area_coordinator", f"/stats/area/{{info['area']}}/"),
    ("area dashboard", "area_coordinator", f"/stats/area/{{info['area']}}/{{period}}"),
    ("area dashboard, days cut", "area_coordinator", f"/stats/area/{{info['area']}}/{{cut}}"),
    ("site dashboard", "distributor_staff", f"/stats/site/{{info['site']}}/{{period}}"),
    ("site dashboard, days cut", "distributor_staff", f"/stats/site/{{info['site']}}/{{cut}}"),
    ("venue dashboard", "venue_staff", f"/stats/venue/{{info['venue']}}/{{period}}"),
    ("national dashboard, sector filter", "national_admin", f"/stats/national/{{period}}&sector=sports"),
    ("national dashboard, sector filter, days cut", "national_admin", f"/stats/national/{{cut}}&sector=sports"),
    ("national dashboard, art form filter", "national_admin", f"/stats/national/{{period}}&art_form=music"),
    ("national dashboard, card kind filter", "national_admin", f"/stats/national/{{period}}&card_kind=personal"),
    ("national dashboard, channel filter", "national_admin", f"/stats/national/{{period}}&channel=scan"),
    ("national dashboard, municipality filter", "national_admin", f"/stats/national/{{period}}&municipality={{info['municipality']}}"),
    ("national dashboard, sector and channel", "national_admin", f"/stats/national/{{period}}&sector=sports&channel=scan"),
    ("national dashboard, sector and channel, days cut", "national_admin", f"/stats/national/{{cut}}&sector=sports&channel=scan"),
    ("national dashboard, three filters", "national_admin", f"/stats/national/{{period}}&sector=culture&art_form=music&card_kind=personal"),
    ("area dashboard, sector and channel", "area_coordinator", f"/stats/area/{{info['area']}}/{{period}}&sector=culture&channel=typed"),
    ("area dashboard, sector and channel, days cut", "area_coordinator", f"/stats/area/{{info['area']}}/{{cut}}&sector=culture&channel=typed"),
    ("area dashboard, sector filter", "area_coordinator", f"/stats/area/{{info['area']}}/{{period}}&sector=culture"),
    ("area dashboard, sector filter, days cut", "area_coordinator", f"/stats/area/{{info['area']}}/{{cut}}&sector=culture"),
    ("national yearly table", "national_admin", "/stats/national/yearly/"),
    ("area export (xlsx)", "area_coordinator", f"/stats/area/{{info['area']}}/export/{{period}}&table=sectors&format=xlsx"),
    ("open data API (one year)", None, f"/api/stats/open-data/uses/?year={{year}}"),
    ("open data API by home municipality (one year)", None, f"/api/stats/open-data/uses/?year={{year}}&by=home"),
    ("healthz (baseline)", None, "/healthz"),
]
clients = {{}}
for role, pk in info["users"].items():
    c = Client()
    c.force_login(User.objects.get(pk=pk))
    # Signed in as if the staff second factor (accounts.twofactor) were passed, as a
    # coordinator's session is after its code: the dashboards are measured, not the sign-in.
    session = c.session
    session[twofactor.SESSION_KEY] = {{"user": pk, "method": "totp"}}
    session.save()
    clients[role] = c
clients[None] = Client()
out = {{}}
for name, role, url in pages:
    times = []
    for i in range(rounds + 1):
        began = time.perf_counter()
        r = clients[role].get(url)
        took = (time.perf_counter() - began) * 1000
        assert r.status_code == 200, (url, r.status_code)
        if i:  # the first request warms caches
            times.append(took)
    out[name] = {{"median_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1)}}
times = []
for i in range(rounds + 1):
    began = time.perf_counter()
    UseFact.objects.filter(year=year).count()
    if i:
        times.append((time.perf_counter() - began) * 1000)
out["COUNT(*) of a year's facts (baseline)"] = {{"median_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1)}}
# Folding new uses into the slices: copies of a year's facts dated today, 1,000 a round, noted
# as pending as the use path does; then one fold, timed. (They stay: measured last.)
from kaiku.stats.models import PendingFact
from kaiku.stats.slices import fold
from django.utils import timezone
today = timezone.localdate()
columns = [f.column for f in UseFact._meta.local_concrete_fields if f.column not in ("id", "use_id", "day", "year", "month")]
times = []
for i in range(rounds + 1):
    with connection.cursor() as cur:
        cur.execute("SELECT MAX(id) FROM stats_usefact")
        last = cur.fetchone()[0]
        cur.execute(
            f"INSERT INTO stats_usefact (day, year, month, {{', '.join(columns)}}) "
            f"SELECT %s, %s, %s, {{', '.join(columns)}} FROM stats_usefact WHERE year = %s ORDER BY id LIMIT 1000 OFFSET %s",
            [today, today.year, today.month, year, 1000 * i],
        )
        cur.execute("INSERT INTO stats_pendingfact (fact_id) SELECT id FROM stats_usefact WHERE id > %s", [last])
    began = time.perf_counter()
    folded = fold()
    took = (time.perf_counter() - began) * 1000
    assert folded == 1000, folded
    if i:
        times.append(took)
out["fold 1,000 new uses into the slices"] = {{"median_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1)}}
out["_facts"] = UseFact.objects.count()
print(json.dumps(out))
"""

GOALS_MS = {
    "national dashboard": 300,
    "national dashboard, days cut": 300,
    "national dashboard, this year so far": 300,
    "area dashboard, this year so far": 300,
    "area dashboard": 300,
    "area dashboard, days cut": 300,
    "site dashboard": 300,
    "site dashboard, days cut": 300,
    "venue dashboard": 300,
    "national dashboard, sector filter": 300,
    "national dashboard, sector filter, days cut": 300,
    "national dashboard, art form filter": 300,
    "national dashboard, card kind filter": 300,
    "national dashboard, channel filter": 300,
    "national dashboard, municipality filter": 300,
    "national dashboard, sector and channel": 300,
    "national dashboard, sector and channel, days cut": 300,
    "national dashboard, three filters": 300,
    "area dashboard, sector and channel": 300,
    "area dashboard, sector and channel, days cut": 300,
    "area dashboard, sector filter": 300,
    "area dashboard, sector filter, days cut": 300,
    "national yearly table": 1000,
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true", help="run on a throwaway PostgreSQL 15 cluster")
    parser.add_argument("--uses", type=int, default=0, help="use facts (default 1 M on SQLite, 10 M on PostgreSQL)")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    if args.postgres:
        reexec_with_postgres([__file__, *argv])
    import os

    db = "postgresql" if os.environ.get("DATABASE_URL") else "sqlite"
    uses = args.uses or (10_000_000 if db == "postgresql" else 1_000_000)
    with temp_dir() as tmp:
        env = database_env(tmp)
        migrate(env)
        began = time.perf_counter()
        info = json.loads(django_script(SETUP.format(uses=uses), env).strip().splitlines()[-1])
        print(
            f"loaded {uses:,} use facts in {info['load_uses_s']:.0f} s ({time.perf_counter() - began:.0f} s in all; "
            f"derived tables {info['derive_s']:.0f} s, then the slices {info['slices_s']:.0f} s)"
        )
        measured = json.loads(django_script(MEASURE.format(info=json.dumps(info), rounds=args.rounds), env).strip())
    facts = measured.pop("_facts")
    healthz = measured["healthz (baseline)"]["median_ms"] or 1
    print(f"{db}, {facts:,} use facts, median of {args.rounds} rounds (server time in the Django process):")
    ok = True
    for name, m in measured.items():
        goal = GOALS_MS.get(name) if db == "postgresql" or name == "national yearly table" else None
        if db == "sqlite" and name in GOALS_MS:
            goal = 1000
        verdict = ""
        if goal:
            verdict = "meets" if m["median_ms"] < goal else "MISSES"
            verdict += f" goal < {goal} ms"
            ok = ok and m["median_ms"] < goal
        print(f"  {name:<48} {m['median_ms']:8.1f} ms  (x{m['median_ms'] / healthz:7.1f} healthz)  {verdict}")
    path = save_result(
        f"stats_dashboards-{db}",
        {"database": db, "uses": facts, "rounds": args.rounds, "load": info, "results": measured, "goals_met": ok},
    )
    print(f"saved {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
