"""The statistics' tests of incremental upkeep count each change of the register as it is written.

In production the register leaves a pending row (``kaiku.pending``) and the statistics
fold it before the next read (``kaiku.stats.intake``). The tests here that check the
fact tables, rollups and card-years after each service call fold each change at once,
in the service's transaction, which is the same upkeep the fold does one change at a
time. Tests of the fold itself (and the equivalence test, which reads through the
dashboards) are marked ``fold_on_read`` and see the production path.
"""

from __future__ import annotations

import pytest

from kaiku.pending import notes
from kaiku.stats import intake


@pytest.fixture(autouse=True)
def _fold_each_change(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.node.get_closest_marker("fold_on_read"):
        return
    for name in ("uses_recorded", "use_voided", "card_event"):
        write = getattr(notes, name)

        def write_and_fold(*args: object, _write=write) -> None:  # type: ignore[no-untyped-def]
            _write(*args)
            intake.fold()

        monkeypatch.setattr(notes, name, write_and_fold)
