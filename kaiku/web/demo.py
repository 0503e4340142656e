"""The demo data set that `make run` loads (`manage.py demo_data`).

Each app contributes a `populate(ctx)` in `kaiku/<app>/demo.py`; they run in
APP_ORDER, each adding what it owns to the shared context for the next.
"""

from __future__ import annotations

import datetime as dt
import importlib
import random
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

APP_ORDER = ["network", "accounts", "cards", "offers", "visits", "door", "stats", "portal", "partners"]

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


def populate_all(seed: int = 2026) -> DemoContext:
    ctx = DemoContext(rng=random.Random(seed), today=timezone.localdate())
    with transaction.atomic():
        for app in APP_ORDER:
            try:
                module = importlib.import_module(f"kaiku.{app}.demo")
            except ModuleNotFoundError:
                continue
            module.populate(ctx)
    return ctx
