"""Taking over a register at scale: a generated export imported with ``manage.py takeover``.

Generates a network of 40 sites (20 distributor sites and 20 venues in 4 areas), a card
export of N cards (default 100,000) and a use export of M past uses (default 300,000,
each within its card's validity, 0-3 children on a personal card, clients under 16 on a
community card), then times, as the national service would run them:

1. ``takeover cards cards.csv --commit`` and ``takeover uses uses.csv --commit``
   (the goal: both together under 10 minutes on two cores, on SQLite and PostgreSQL);
2. the same two again: a re-run must create and update nothing;
3. that the statistics are current: the yearly table's registered cards and uses equal
   the register's own counts.

    .venv/bin/python bench/takeover.py                       # SQLite
    .venv/bin/python bench/takeover.py --postgres
    .venv/bin/python bench/takeover.py --cards 10000 --uses 30000   # a quick look
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import PYTHON, ROOT, database_env, django_script, migrate, reexec_with_postgres, save_result, temp_dir

GOAL_SECONDS = 600
AREAS = 4
DISTRIBUTORS = 20
VENUES = 20
SECTORS = ["culture", "education", "science", "sports"]

SETUP = r"""
from kaiku.network.models import Area, Municipality, Site
for a in range({areas}):
    area = Area.objects.create(name=f"Alue {{a}}", slug=f"alue-{{a}}", status=Area.Status.ACTIVE)
    muni = Municipality.objects.create(code=f"{{900 + a}}", name_fi=f"Kunta {{a}}", name_sv=f"Kommun {{a}}", area=area)
    for d in range({distributors} // {areas}):
        Site.objects.create(kind=Site.Kind.DISTRIBUTOR, name=f"Jakopiste {{a}}-{{d}}", area=area, municipality=muni)
    for v in range({venues} // {areas}):
        sector = {sectors}[v % 4]
        Site.objects.create(kind=Site.Kind.VENUE, name=f"Kohde {{a}}-{{v}}", area=area, municipality=muni, sector=sector)
"""

CHECK = r"""
import json
from django.db.models import Count, Sum
from kaiku.cards.models import Card
from kaiku.stats.queries import StatsScope, yearly_rows
from kaiku.visits.models import Use
rows = yearly_rows(StatsScope("national", threshold=None))
uses = Use.objects.filter(outcome=Use.Outcome.ACCEPTED)
print(json.dumps({{
    "stats_registered": sum(r.registered for r in rows),
    "register_cards": Card.objects.count(),
    "stats_adult_uses": sum(sum(r.adult) for r in rows),
    "register_uses": uses.count(),
    "stats_child_uses": sum(sum(r.child) for r in rows),
    "register_child_uses": (uses.aggregate(n=Sum("children"))["n"] or 0) + (uses.aggregate(n=Sum("community_clients"))["n"] or 0),
}}))
"""


def generate(folder: Path, cards: int, uses: int, seed: int = 24) -> tuple[Path, Path]:
    """The two export files, as the old register would write them (semicolons, Finnish dates)."""
    from kaiku.cards import numbers

    rng = random.Random(seed)
    today = dt.date.today()
    first = dt.date(2019, 1, 1)
    span = (today - dt.timedelta(days=400) - first).days
    card_path, use_path = folder / "cards.csv", folder / "uses.csv"
    made: list[tuple[str, dt.date, dt.date, int, bool]] = []
    seen: set[str] = set()
    with card_path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(
            [
                "number",
                "site",
                "registered_on",
                "valid_until",
                "birth_year",
                "postal_code",
                "municipality",
                "children",
                "kind",
                "status",
                "gender",
                "life_situation",
                "email",
                "email_consent",
            ]
        )
        while len(made) < cards:
            number = numbers.generate()
            if number in seen:
                continue
            seen.add(number)
            area = rng.randrange(AREAS)
            site = f"Jakopiste {area}-{rng.randrange(DISTRIBUTORS // AREAS)}"
            registered = first + dt.timedelta(days=rng.randrange(span))
            valid_until = min(registered + dt.timedelta(days=365 * rng.randint(1, 4)), today + dt.timedelta(days=300))
            community = rng.random() < 0.03
            children = 0 if community else rng.choice([0, 0, 0, 1, 2, 3])
            consent = rng.random() < 0.2 and not community
            w.writerow(
                [
                    number,
                    site,
                    registered.strftime("%-d.%-m.%Y"),
                    valid_until.isoformat(),
                    "" if community else rng.randint(1940, registered.year - 16),
                    "" if community else f"{33100 + rng.randrange(800):05d}",
                    "" if community else f"{900 + area}",
                    "" if community else children,
                    "community" if community else "personal",
                    "active" if rng.random() < 0.95 else "inactive",
                    "" if community else rng.choice(["", "woman", "man", "other"]),
                    "" if community else rng.choice(["", "unemployed", "student", "pensioner"]),
                    f"holder{len(made)}@example.org" if consent else "",
                    "yes" if consent else "no",
                ]
            )
            made.append((number, registered, valid_until, children, community))
    active = made
    with use_path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(["number", "date", "venue", "children", "community_clients", "assistants", "sector"])
        yesterday = today - dt.timedelta(days=1)
        for _ in range(uses):
            number, registered, valid_until, children, community = rng.choice(active)
            last = min(valid_until, yesterday)
            day = registered + dt.timedelta(days=rng.randrange((last - registered).days + 1))
            venue = f"Kohde {rng.randrange(AREAS)}-{rng.randrange(VENUES // AREAS)}"
            w.writerow(
                [
                    number,
                    day.isoformat(),
                    venue,
                    0 if community else rng.randint(0, children),
                    rng.randint(0, 5) if community else 0,
                    1 if rng.random() < 0.02 else 0,
                    "",
                ]
            )
    return card_path, use_path


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_command(env: dict[str, str], *args: str) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of the command's process, its summary and phases).

    Its error stream is a pipe, not a terminal: the command shows no progress bar then."""
    cpu = _children_cpu()
    started = time.monotonic()
    proc = subprocess.run(
        [PYTHON, "manage.py", "takeover", *args, "--commit"],
        env={**os.environ, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.monotonic() - started
    cpu = _children_cpu() - cpu
    if proc.returncode != 0:
        raise RuntimeError(f"takeover {args[0]} failed:\n{proc.stderr[-4000:]}")
    if "\r" in proc.stderr:
        raise RuntimeError(f"takeover {args[0]} drew a progress bar into a pipe:\n{proc.stderr[-400:]}")
    print(f"{args[0]}: {seconds:.1f} s, load {os.getloadavg()[0]:.1f}: {proc.stdout.strip()}", file=sys.stderr)
    return seconds, cpu, " | ".join(proc.stdout.strip().splitlines()[-2:])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--uses", type=int, default=300_000)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args(argv)
    if args.postgres:
        reexec_with_postgres([__file__, *(argv if argv is not None else sys.argv[1:])])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaiku.settings")
    load_before = os.getloadavg()
    with temp_dir() as tmp:
        env = database_env(tmp)
        migrate(env)
        django_script(
            SETUP.format(areas=AREAS, distributors=DISTRIBUTORS, venues=VENUES, sectors=json.dumps(SECTORS)), env
        )
        started = time.monotonic()
        card_path, use_path = generate(tmp, args.cards, args.uses)
        generated = time.monotonic() - started
        cards_s, cards_cpu, cards_out = run_command(env, "cards", str(card_path))
        uses_s, uses_cpu, uses_out = run_command(env, "uses", str(use_path))
        again_cards_s, _cpu, again_cards_out = run_command(env, "cards", str(card_path))
        again_uses_s, _cpu, again_uses_out = run_command(env, "uses", str(use_path))
        check = json.loads(django_script(CHECK.format(), env).strip().splitlines()[-1])
    database = "postgresql" if os.environ.get("DATABASE_URL") else "sqlite"
    total = cards_s + uses_s
    rerun_clean = " 0 new, 0 updated" in again_cards_out and " 0 new, 0 updated" in again_uses_out
    current = (
        check["stats_registered"] == check["register_cards"]
        and check["stats_adult_uses"] == check["register_uses"]
        and check["stats_child_uses"] == check["register_child_uses"]
    )
    result = {
        "database": database,
        "cards": args.cards,
        "uses": args.uses,
        "generate_seconds": round(generated, 1),
        "cards_seconds": round(cards_s, 1),
        "uses_seconds": round(uses_s, 1),
        "total_seconds": round(total, 1),
        # The app's own CPU time (a PostgreSQL server's not included): what the import costs
        # when the two cores are not shared with other work.
        "cards_cpu_seconds": round(cards_cpu, 1),
        "uses_cpu_seconds": round(uses_cpu, 1),
        "goal_seconds": GOAL_SECONDS,
        "within_goal": total < GOAL_SECONDS,
        "rerun_cards_seconds": round(again_cards_s, 1),
        "rerun_uses_seconds": round(again_uses_s, 1),
        "rerun_changes_nothing": rerun_clean,
        "statistics_current": current,
        "outputs": [cards_out, uses_out, again_cards_out, again_uses_out],
        # The machine is shared: the load average (1, 5, 15 min) at the start and the end.
        "load_before": [round(x, 1) for x in load_before],
        "load_after": [round(x, 1) for x in os.getloadavg()],
        "check": check,
    }
    print(json.dumps(result, indent=2))
    save_result(f"takeover-{database}", result)
    return 0 if rerun_clean and current else 1


if __name__ == "__main__":
    sys.exit(main())
