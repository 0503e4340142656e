"""kaiku.web.clients.client_address: the one notion of a client's address."""

import pytest
from django.test import RequestFactory

from kaiku.web.clients import client_address


def _request(remote="10.0.0.1", forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


def test_it_uses_the_connection_without_trusted_proxies(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    # A header nobody vouches for is ignored.
    assert client_address(_request("203.0.113.5", "198.51.100.1")) == "203.0.113.5"


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        # nginx appended the client it saw; what the client sent itself is further left.
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "1.1.1.1, 203.0.113.7", "203.0.113.7"),
        (1, "1.1.1.1,2.2.2.2 , 203.0.113.7", "203.0.113.7"),
        # Two proxies of ours: the load balancer's entry is the client.
        (2, "1.1.1.1, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (1, "[2001:db8::1]:443", "2001:db8::1"),
        (1, "203.0.113.7:51000", "203.0.113.7"),
    ],
)
def test_it_trusts_only_the_entries_our_proxies_appended(settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_address(_request("127.0.0.1", forwarded)) == expected


def test_it_falls_back_to_the_connection_on_a_bad_or_missing_header(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_address(_request("127.0.0.1", "not-an-address")) == "127.0.0.1"
    assert client_address(_request("127.0.0.1")) == "127.0.0.1"
    assert client_address(_request("127.0.0.1", "x" * 100_000 + ",203.0.113.9")) == "203.0.113.9"
