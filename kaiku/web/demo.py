"""The demo data set that `make run` loads (`manage.py demo_data`).

Each app contributes a `populate(ctx)` in `kaiku/<app>/demo.py`; they run in
APP_ORDER, each adding what it owns to the shared context for the next. A step named
`app.function` runs another function of that app's demo at that point.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

APP_ORDER = [
    "network",
    "accounts",
    "cards",
    "offers",
    "visits",
    "door",
    "stats",
    "portal",
    "partners",
    "network.populate_onboarding",
    "together",
    "reports",
    "outreach",
]

# Every demo login has an address in this domain (kaiku.web.checks refuses them in production).
DEMO_DOMAIN = "@demo.kaiku.fi"


def refuse_outside_development() -> None:
    """Demo data carries published passwords, a published API key and device token:
    it may only ever be loaded on a development server (KAIKU_DEV=1 or DEBUG)."""
    if not settings.DEV:
        from django.core.management.base import CommandError

        raise CommandError("Demo data and demo secrets are for development only: set KAIKU_DEV=1 on a dev server.")


# The password of every demo login (printed by `manage.py demo_logins`).
DEMO_PASSWORD = "kaikukortti-demo"  # noqa: S105 - printed for everyone to use


@dataclass
class DemoContext:
    rng: random.Random
    today: dt.date
    areas: dict[str, Any] = field(default_factory=dict)
    municipalities: dict[str, Any] = field(default_factory=dict)
    distributors: list[Any] = field(default_factory=list)
    venues: list[Any] = field(default_factory=list)
    agencies: list[Any] = field(default_factory=list)
    users: dict[str, Any] = field(default_factory=dict)  # role label -> user
    cards: list[Any] = field(default_factory=list)
    offers: list[Any] = field(default_factory=list)
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # (role description, e-mail, where)
    extra: dict[str, Any] = field(default_factory=dict)


def logins_file(db: dict[str, Any] | None = None) -> Path:
    """Where `demo_data` leaves the demo logins for `demo_logins` (a separate process).

    The DEMO_LOGINS_FILE setting if given; else beside a SQLite database file
    (`kaiku.sqlite3.demo-logins.json`), so two checkouts or two databases never share
    one file; for a server database, `var/demo-logins-<name>.json`.
    """
    configured = getattr(settings, "DEMO_LOGINS_FILE", None)
    if configured:
        return Path(configured)
    config: dict[str, Any] = dict(db if db is not None else settings.DATABASES["default"])
    name = str(config["NAME"])
    if "sqlite" in config["ENGINE"] and name and ":memory:" not in name and "mode=memory" not in name:
        database = Path(name)
        return database.with_name(database.name + ".demo-logins.json")
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name) or "default"
    return Path(settings.BASE_DIR) / "var" / f"demo-logins-{safe}.json"


def database_label() -> str:
    db = settings.DATABASES["default"]
    return f"{db['ENGINE']}:{db.get('HOST', '')}:{db.get('PORT', '')}:{db['NAME']}"


def save_logins(ctx: DemoContext) -> None:
    path = logins_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"database": database_label(), "logins": [list(row) for row in ctx.logins]}
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def load_logins() -> list[tuple[str, str, str]]:
    """The logins saved by the last demo load of this database, or none."""
    try:
        data = json.loads(logins_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if data.get("database") != database_label():
        return []
    return [(str(a), str(b), str(c)) for a, b, c in data.get("logins", [])]


def populate_all(seed: int = 2026) -> DemoContext:
    refuse_outside_development()
    ctx = DemoContext(rng=random.Random(seed), today=timezone.localdate())
    with transaction.atomic():
        for step in APP_ORDER:
            app, _dot, function = step.partition(".")
            try:
                module = importlib.import_module(f"kaiku.{app}.demo")
            except ModuleNotFoundError:
                continue
            getattr(module, function or "populate")(ctx)
    return ctx
