"""Demo statistics: the earlier demo steps write cards and uses in bulk (with past dates),
bypassing the services' hooks, so derive the fact tables from the register once at the end."""

from __future__ import annotations

from typing import Any

from kaiku.stats.intake import rebuild


def populate(ctx: Any) -> None:
    ctx.extra["stats"] = rebuild()
