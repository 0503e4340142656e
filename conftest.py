"""Suite-wide fixtures: frozen clock, seeded randomness, no network, and the two-tenant world."""

from __future__ import annotations

import datetime as dt
import ipaddress
import random
import socket
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from hypothesis import settings as hypothesis_settings

from kaiku.testing.world import World, build_world

# Property tests draw the same examples on every run and machine, so a CI run is the run
# that was seen to pass (a new example is a new test, added on purpose).
hypothesis_settings.register_profile("kaiku", derandomize=True, database=None)
hypothesis_settings.load_profile("kaiku")

# Every test runs on this clock unless it travels elsewhere: mid-June, a Monday morning.
TEST_NOW = dt.datetime(2026, 6, 15, 10, 0, tzinfo=ZoneInfo("Europe/Helsinki"))

_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: object) -> object:
    host = address[0] if isinstance(address, tuple) else None
    if isinstance(host, str):
        try:
            allowed = ipaddress.ip_address(host).is_loopback
        except ValueError:
            allowed = host in {"localhost"}
        if not allowed:
            raise OSError(f"Network access blocked in tests: {host}")
    return _real_connect(self, address)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)


@pytest.fixture(autouse=True)
def _clock(request: pytest.FixtureRequest):
    if request.node.get_closest_marker("browser"):
        # Browsers keep their own clock; the server follows real time for them.
        yield None
        return
    with time_machine.travel(TEST_NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _seeded_random() -> None:
    random.seed(20261128)


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


@pytest.fixture(autouse=True)
def _second_factor_passed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Test clients' force_login/login sessions count as having passed the staff second factor."""
    from kaiku.testing import twofactor

    twofactor.install(monkeypatch)


@pytest.fixture
def world(db) -> World:
    return build_world()


# Browser fixtures (chromium, phone) for tests marked `browser`.
from kaiku.testing.browser import chromium, phone  # noqa: E402, F401
