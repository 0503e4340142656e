"""The primary small-count rule for a single figure, below the statistics.

Outside the national admin's own view a count from 1 to threshold - 1 is shown as
``<threshold``. Pages outside ``stats`` that show a count (an area's page) use this;
``kaiku.stats.suppression`` builds tables' complementary suppression on it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Shown:
    """One cell as published: its text, and the value only when it may be shown."""

    text: str
    value: int | None
    suppressed: bool = False

    def __str__(self) -> str:
        return self.text


def small_label(threshold: int) -> str:
    return f"<{threshold}"


def is_small(value: int, threshold: int) -> bool:
    return 0 < value < threshold


def show_number(value: int, threshold: int | None) -> Shown:
    """A single figure (no totals beside it): hidden only when small."""
    if threshold is not None and is_small(value, threshold):
        return Shown(small_label(threshold), None, True)
    return Shown(str(value), value)
