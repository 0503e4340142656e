"""The official list of Finnish municipalities, shipped as data (``data/municipalities.csv``).

The registration form lists every municipality so that a registration for one outside
the network can be counted as demand (``kaiku.reports.demand``); population figures are
matched to municipalities by the same codes.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import get_language

SOURCE = "Statistics Finland, municipality classification kunta_1_20250101 (CC BY 4.0)"
PATH = Path(__file__).parent / "data" / "municipalities.csv"


@dataclass(frozen=True)
class OfficialMunicipality:
    code: str
    name_fi: str
    name_sv: str

    @property
    def name(self) -> str:
        return self.name_sv if get_language() == "sv" and self.name_sv else self.name_fi


@functools.cache
def official() -> dict[str, OfficialMunicipality]:
    """Every municipality by its three-digit code."""
    with PATH.open(encoding="utf-8", newline="") as f:
        rows = csv.DictReader(f, delimiter=";")
        return {r["code"]: OfficialMunicipality(r["code"], r["name_fi"], r["name_sv"]) for r in rows}


def name_of(code: str) -> str:
    m = official().get(code)
    return m.name if m else code


@functools.cache
def _by_name() -> dict[str, str]:
    names: dict[str, str] = {}
    for m in official().values():
        for name in (m.name_fi, m.name_sv):
            names[name.casefold()] = m.code
    return names


def code_for_name(name: str) -> str | None:
    """The code of a municipality named in Finnish or Swedish (case-insensitive), or None."""
    return _by_name().get(name.strip().casefold())
