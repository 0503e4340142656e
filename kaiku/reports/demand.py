"""Demand signals: a registration refused for a municipality outside the network is counted.

Only the municipality's code and the month are kept (no card, site, worker or time), so
the counter can never point back to a person.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from kaiku.reports.models import Demand
from kaiku.reports.municipalities import name_of, official


def count_refused_registration(municipality_code: str, on: dt.date | None = None) -> None:
    """Add one to the month's counter for this municipality (an official code only)."""
    if municipality_code not in official():
        return
    month = (on or timezone.localdate()).replace(day=1)
    with transaction.atomic():
        updated = Demand.objects.filter(municipality_code=municipality_code, month=month).update(count=F("count") + 1)
        if updated:
            return
        try:
            with transaction.atomic():
                Demand.objects.create(municipality_code=municipality_code, month=month, count=1)
        except IntegrityError:  # created meanwhile by a concurrent request
            Demand.objects.filter(municipality_code=municipality_code, month=month).update(count=F("count") + 1)


@dataclass
class DemandRow:
    code: str
    name: str
    total: int
    by_month: dict[str, int]
    latest: str


def demand_by_municipality(months: int = 12, today: dt.date | None = None) -> tuple[list[str], list[DemandRow]]:
    """The last ``months`` months (oldest first) and, per municipality asked for, its counts; most asked first."""
    today = today or timezone.localdate()
    first = today.replace(day=1)
    labels: list[dt.date] = []
    month = first
    for _ in range(months):
        labels.append(month)
        month = (month - dt.timedelta(days=1)).replace(day=1)
    labels.reverse()
    rows = (
        Demand.objects.filter(month__gte=labels[0])
        .values("municipality_code", "month")
        .annotate(n=Sum("count"))
        .order_by("municipality_code", "month")
    )
    by_code: dict[str, DemandRow] = {}
    for r in rows:
        code = r["municipality_code"]
        row = by_code.setdefault(code, DemandRow(code, name_of(code), 0, {}, ""))
        key = f"{r['month']:%Y-%m}"
        row.by_month[key] = r["n"]
        row.total += r["n"]
        row.latest = max(row.latest, key)
    ordered = sorted(by_code.values(), key=lambda r: (-r.total, r.name))
    return [f"{m:%Y-%m}" for m in labels], ordered
