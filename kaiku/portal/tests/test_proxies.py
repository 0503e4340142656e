"""Behind proxies, the portal's guessing limit locks the guessing client only."""

from django.test import Client

from kaiku.cards import numbers
from kaiku.portal import services
from kaiku.portal.holder import COOKIE
from kaiku.portal.tests.conftest import CODE, with_code

URL = "/portal/sign-in/"
NGINX = "127.0.0.1"


def _via_proxies(client, number, code, client_ip, spoofed="192.0.2.1"):
    # Two hops: whatever the client (or a proxy of its own) claimed, then the address
    # nginx saw. Only nginx's entry counts (TRUSTED_PROXY_COUNT = 1).
    return client.post(
        URL,
        {"number": number, "code": code},
        REMOTE_ADDR=NGINX,
        HTTP_X_FORWARDED_FOR=f"{spoofed}, {client_ip}",
    )


def test_wrong_codes_from_one_client_lock_that_client_only(world, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    with_code(world.card_a)
    with_code(world.card_b)
    guesser = Client()
    for i in range(services.MAX_WRONG_PER_CLIENT):
        # A new invented address each time does not help: the spoofed entry is ignored.
        _via_proxies(guesser, numbers.generate(), "WRONG234", "203.0.113.66", spoofed=f"198.51.100.{i}")
    locked = _via_proxies(guesser, world.card_a.number, CODE, "203.0.113.66", spoofed="198.51.100.250")
    assert locked.status_code == 200
    assert COOKIE not in locked.cookies

    # Holders elsewhere, behind the same nginx, still sign in.
    for holder_ip, card in (("203.0.113.10", world.card_a), ("198.51.100.77", world.card_b)):
        other = Client()
        response = _via_proxies(other, card.number, CODE, holder_ip)
        assert response.status_code == 302, holder_ip
        assert other.cookies[COOKIE].value
