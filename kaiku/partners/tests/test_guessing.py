"""Unknown partner API keys and door device tokens are limited per client address."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from kaiku.door.services import create_device_token
from kaiku.partners import services
from kaiku.partners.models import ApiKeyScope


def _get(url, header, address):
    return Client().get(url, HTTP_AUTHORIZATION=header, REMOTE_ADDR=address)


@pytest.mark.parametrize("kind", ["api_key", "device_token"])
def test_unknown_secrets_from_one_address_are_throttled_there_only(world, kind):
    if kind == "api_key":
        url = reverse("partners-api:venues")
        real = services.create_api_key(world.agency_a, "Sales", [ApiKeyScope.READ], world.users["coordinator"]).secret
        header = "Bearer {}"
    else:
        url = reverse("door-api:keys")
        real = create_device_token(world.venue_a, "Lobby", world.users["venue_admin"])[1]
        header = "Device {}"
    for i in range(settings.BAD_SECRET_LIMIT):
        assert _get(url, header.format(f"guess{i}"), "203.0.113.66").status_code == 401
    refused = _get(url, header.format("guess-more"), "203.0.113.66")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    # Even the right secret waits at the guessing address; elsewhere all is as before.
    assert _get(url, header.format(real), "203.0.113.66").status_code == 429
    assert _get(url, header.format(real), "198.51.100.7").status_code == 200
    assert _get(url, header.format("guess-elsewhere"), "198.51.100.7").status_code == 401
