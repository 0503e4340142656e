"""Small register exports for the tests, written as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from kaiku.cards import numbers

CARD_HEADER = [
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
USE_HEADER = ["number", "date", "venue", "children", "community_clients", "assistants", "sector"]
MONTHLY_HEADER = ["venue", "month", "sector", "adult_uses", "child_uses"]


def csv_bytes(header: Sequence[str], rows: Sequence[Sequence[object]], delimiter: str = ";") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def card_row(number: str | None = None, **overrides: object) -> list[object]:
    row = {
        "number": number or numbers.generate(),
        "site": "Tampereen sosiaalitoimisto",
        "registered_on": "2024-03-01",
        "valid_until": "2027-03-01",
        "birth_year": "1970",
        "postal_code": "33100",
        "municipality": "837",
        "children": "2",
        "kind": "personal",
        "status": "active",
        "gender": "",
        "life_situation": "",
        "email": "",
        "email_consent": "no",
    }
    row.update({k: str(v) for k, v in overrides.items()})
    # The optional old identifier goes last, after the header's columns (``old_id`` in the header).
    return [row[h] for h in CARD_HEADER] + ([row["old_id"]] if "old_id" in row else [])
