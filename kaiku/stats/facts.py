"""The statistics fact tables (issue: statistics). Kept current by the visits service.

Until the reporting layer lands these hooks do nothing; the statistics issue
replaces them with writes to the pseudonymous fact table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kaiku.visits.models import Use


def record_use_fact(use: Use) -> None:
    return None


def void_use_fact(use: Use) -> None:
    return None
