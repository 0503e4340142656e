"""Figures by the holder's home municipality (``kaiku.reports``), read from the statistics.

``reports.residents.resident_figures`` reads the statistics' read path
(``stats.queries.by_home``: the card facts and the use facts, by the holder's home
municipality) and, for valid cards only, ``cards.Card``. This measures what it costs on a
register the size DESIGN §1 plans for: 300 municipalities in 20 areas, C cards and N uses
spread from 1 January 2021 to today (generated inside the database with one INSERT ...
SELECT each), and their facts made from the register rows with one INSERT ... SELECT each
(the ORM's query of the columns ``intake`` copies; the rollups and slices, which nothing
here reads, are not derived). Then, in a Django process, the median of several rounds of:

- ``rates.figures_per_thousand`` for the last full year: national (from the statistics by
  home municipality, and from the dashboard's own figures as the national dashboard calls
  it), one area, one municipality (what a dashboard adds to its key figures);
- ``rates.area_comparison`` (the area page and the annual report's table);
- ``wellbeing.pack`` for one municipality (two years; its "uses at the municipality's
  venues" reads the statistics' facts by the venue's municipality).

    .venv/bin/python bench/reports_residents.py                          # SQLite, 1 M uses
    .venv/bin/python bench/reports_residents.py --postgres --uses 10000000
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import database_env, django_script, migrate, reexec_with_postgres, save_result, temp_dir

SETUP = r"""
import datetime as dt, json, time
from django.db import connection
from kaiku.cards.models import Card
from kaiku.network.models import Area, Municipality, Site
from kaiku.reports.models import Population
from kaiku.visits.models import Use

AREAS, MUNIS, CARDS, N = 20, 300, {cards}, {uses}
DAYS = (dt.date.today() - dt.date(2021, 1, 1)).days
areas = [Area.objects.create(name=f"Alue {{a}}", slug=f"alue-{{a}}", status=Area.Status.ACTIVE) for a in range(AREAS)]
munis = [Municipality.objects.create(code=f"{{m:03d}}", name_fi=f"Kunta {{m}}", area=areas[m % AREAS]) for m in range(MUNIS)]
sites = [Site.objects.create(kind=Site.Kind.DISTRIBUTOR, name=f"Jakopiste {{a}}", area=areas[a]) for a in range(AREAS)]
venues = [Site.objects.create(kind=Site.Kind.VENUE, name=f"Kohde {{a}}", area=areas[a], municipality=munis[a]) for a in range(AREAS)]
for year in range(2021, dt.date.today().year + 1):
    Population.objects.bulk_create(Population(municipality_code=m.code, year=year, total=20000, aged_16_plus=16000) for m in munis)
pg = connection.vendor == "postgresql"
if pg:
    src = "FROM generate_series(1::bigint, {{n}}) AS s(g)"
    day = "(date '2021-01-01' + ((g * 7919) % {{days}})::int)"
    valid_until = f"(date '2021-01-01' + ((g * 7919) % {{DAYS}})::int + 365)"
else:
    src = "FROM (WITH RECURSIVE c(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM c WHERE g < {{n}}) SELECT g FROM c)"
    day = "date('2021-01-01', '+' || ((g * 7919) % {{days}}) || ' days')"
    valid_until = f"date('2021-01-01', '+' || (((g * 7919) % {{DAYS}}) + 365) || ' days')"
now = "CURRENT_TIMESTAMP"


def insert(model, values, n):
    # Every concrete column: the given expression, else the field's default, else NULL.
    columns, exprs = [], []
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        columns.append(f.column)
        if f.column in values:
            exprs.append(values[f.column])
        elif f.has_default() and not callable(f.default):
            d = f.default
            exprs.append(("TRUE" if d else "FALSE") if isinstance(d, bool) and pg else repr(int(d)) if isinstance(d, bool) else repr(d) if not isinstance(d, str) else "'" + d + "'")
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            exprs.append(now)
        elif f.null:
            exprs.append("NULL")
        else:
            exprs.append("''")
    sql = f"INSERT INTO {{model._meta.db_table}} ({{', '.join(columns)}}) SELECT {{', '.join(exprs)}} " + src.format(n=n)
    with connection.cursor() as cursor:
        cursor.execute(sql)


began = time.perf_counter()
c0 = Card.objects.count()
insert(Card, {{
    "number": "'B' || g", "kind": "'personal'", "status": "'active'", "site_id": f"{{sites[0].pk}} + g % {{AREAS}}",
    "registered_on": day.format(days=DAYS), "issued_on": day.format(days=DAYS),
    "valid_until": valid_until,
    "birth_year": "1970", "municipality_id": f"{{munis[0].pk}} + g % {{MUNIS}}",
}}, CARDS)
first_card = Card.objects.order_by("pk").values_list("pk", flat=True)[c0]
cards_s = time.perf_counter() - began
began = time.perf_counter()
insert(Use, {{
    "card_id": f"{{first_card}} + (g * 104729) % {{CARDS}}", "venue_id": f"{{venues[0].pk}} + g % {{AREAS}}",
    "outcome": "'accepted'", "adults": "1", "children": "g % 3", "community_clients": "0",
    "sector": "CASE WHEN g % 4 = 0 THEN 'culture' WHEN g % 4 = 1 THEN 'education' WHEN g % 4 = 2 THEN 'science' ELSE 'sports' END",
    "channel": "'typed'", "scanned_at": now, "received_at": now, "used_on": day.format(days=DAYS),
    "idempotency_key": "'k' || g",
}}, N)
uses_s = time.perf_counter() - began
began = time.perf_counter()
from django.db.models import BooleanField, Case, F, Value, When
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear
from kaiku.stats.models import CardFact, UseFact


def insert_select(model, columns, qs):
    # The ORM's SELECT of the columns, in order, inserted as it stands.
    sql, params = qs.values_list(*columns.values()).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {{model._meta.db_table}} ({{', '.join(columns)}}) {{sql}}", params)


home = Coalesce("card__municipality_id", "card__site__municipality_id")
facts = Use.objects.annotate(
    f_year=ExtractYear("used_on"), f_month=ExtractMonth("used_on"), f_varea=F("venue__area_id"),
    f_vmuni=F("venue__municipality_id"), f_site=F("card__site_id"), f_carea=F("card__site__area_id"), f_home=home,
    f_age=Value("50-64"), f_empty=Value(""), f_kind=F("card__kind"),
    f_voided=Case(When(voided_at=None, then=Value(False)), default=Value(True), output_field=BooleanField()),
)
insert_select(UseFact, {{
    "use_id": "pk", "day": "used_on", "year": "f_year", "month": "f_month", "venue_id": "venue_id",
    "venue_area_id": "f_varea", "venue_municipality_id": "f_vmuni", "card_key": "card_id", "card_site_id": "f_site",
    "card_area_id": "f_carea", "card_municipality_id": "f_home", "age_band": "f_age", "gender": "f_empty",
    "card_kind": "f_kind", "sector": "sector", "art_form": "f_empty", "adults": "adults",
    "children": "children", "community_clients": "community_clients", "assistants": "assistants",
    "channel": "channel", "outcome": "outcome", "reason": "reason", "voided": "f_voided",
}}, facts)
registrations = Card.objects.exclude(registered_on=None).annotate(
    f_kind=Value("registered"), f_year=ExtractYear("registered_on"), f_month=ExtractMonth("registered_on"),
    f_carea=F("site__area_id"), f_smuni=F("site__municipality_id"),
    f_home=Coalesce("municipality_id", "site__municipality_id"), f_age=Value("50-64"), f_empty=Value(""),
)
insert_select(CardFact, {{
    "kind": "f_kind", "day": "registered_on", "year": "f_year", "month": "f_month", "card_key": "pk",
    "card_site_id": "site_id", "card_area_id": "f_carea", "site_municipality_id": "f_smuni",
    "card_municipality_id": "f_home", "age_band": "f_age", "gender": "f_empty", "card_kind": "kind",
}}, registrations)
facts_s = time.perf_counter() - began
with connection.cursor() as cursor:
    cursor.execute("ANALYZE")
print(json.dumps({{
    "cards_s": cards_s, "uses_s": uses_s, "facts_s": facts_s, "uses": Use.objects.count(),
    "cards": Card.objects.count(), "use_facts": UseFact.objects.count(), "card_facts": CardFact.objects.count(),
}}))
"""

MEASURE = r"""
import datetime as dt, json, statistics, time
from kaiku.network.models import Area, Municipality
from kaiku.reports import rates, wellbeing
from kaiku.stats.scope import Filters, StatsScope

year = dt.date.today().year - 1
area = Area.objects.order_by("pk").first()
muni = Municipality.objects.filter(area=area).order_by("pk").first()
period = Filters(start=dt.date(year, 1, 1), end=dt.date(year, 12, 31))
cases = {{
    "figures_per_thousand, national, by home municipality": lambda: rates.figures_per_thousand(StatsScope("national", threshold=None), period),
    "figures_per_thousand, national, dashboard's figures": lambda: rates.figures_per_thousand(
        StatsScope("national", threshold=None), period, {{"cards_used": 1000, "uses": 5000}}
    ),
    "figures_per_thousand, area": lambda: rates.figures_per_thousand(StatsScope("area", area=area), period),
    "figures_per_thousand, municipality": lambda: rates.figures_per_thousand(
        StatsScope("national", threshold=None), Filters(start=period.start, end=period.end, municipality=muni)
    ),
    "area_comparison": lambda: rates.area_comparison(area, year, 5),
    "wellbeing pack, one municipality": lambda: wellbeing.pack(muni, year, 5),
}}
out = {{}}
for name, run in cases.items():
    run()  # warm
    times = []
    for _ in range({rounds}):
        began = time.perf_counter()
        result = run()
        times.append((time.perf_counter() - began) * 1000)
    assert result, name
    out[name] = {{"median_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1)}}
print(json.dumps(out))
"""


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true", help="run on a throwaway PostgreSQL 15 cluster")
    parser.add_argument("--uses", type=int, default=1_000_000)
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    if args.postgres:
        reexec_with_postgres([__file__, *argv])
    db = "postgresql" if os.environ.get("DATABASE_URL") else "sqlite"
    with temp_dir() as tmp:
        env = database_env(tmp)
        migrate(env)
        began = time.perf_counter()
        info = json.loads(django_script(SETUP.format(cards=args.cards, uses=args.uses), env).strip().splitlines()[-1])
        print(
            f"loaded {info['cards']:,} cards and {info['uses']:,} uses, {info['use_facts']:,} use facts, "
            f"{info['card_facts']:,} card facts in {time.perf_counter() - began:.0f} s (facts {info['facts_s']:.0f} s)"
        )
        measured = json.loads(django_script(MEASURE.format(rounds=args.rounds), env).strip().splitlines()[-1])
    print(f"{db}, median of {args.rounds} rounds:")
    for name, m in measured.items():
        print(f"  {name:<52} {m['median_ms']:8.1f} ms  (max {m['max_ms']:.1f} ms)")
    path = save_result(f"reports_residents-{db}", {"database": db, "load": info, "results": measured})
    print(f"saved {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
