import json

import pytest
from django.test import Client
from django.utils import timezone

from kaiku.door.models import DeviceToken
from kaiku.testing.matrix import Row, check, matrix_params
from kaiku.visits.models import Channel, Use

A, N = 302, 404
ALL = {
    "anonymous": 200,
    "national_admin": 200,
    "coordinator": 200,
    "distributor": 200,
    "venue_staff": 200,
    "venue_admin": 200,
}
INDEX = {**ALL, "anonymous": A, "venue_staff": 302, "venue_admin": 302}
VENUE = {
    "anonymous": A,
    "national_admin": N,
    "coordinator": N,
    "distributor": N,
    "venue_staff": 200,
    "venue_admin": 200,
}
VENUE_ADMIN = {**VENUE, "venue_staff": N}
VENUE_ADMIN_POST = {**VENUE_ADMIN, "venue_admin": 302}
DISTRIBUTOR = {
    "anonymous": A,
    "national_admin": N,
    "coordinator": N,
    "distributor": 200,
    "venue_staff": N,
    "venue_admin": N,
}
OTHER = {role: (A if role == "anonymous" else N) for role in VENUE}
# The API: no credentials is 401; staff who open no door is 403; another venue is 404.
API = {
    "anonymous": 401,
    "national_admin": 403,
    "coordinator": 403,
    "distributor": 403,
    "venue_staff": 200,
    "venue_admin": 200,
}
API_OTHER = {**API, "venue_staff": N, "venue_admin": N}
JSON = "application/json"


def _devices(world):
    world.extra["device_a"] = DeviceToken.objects.create(
        venue=world.venue_a, label="A", token_hash="a" * 64, hint="kkd_a"
    )
    world.extra["device_b"] = DeviceToken.objects.create(
        venue=world.venue_b, label="B", token_hash="b" * 64, hint="kkd_b"
    )


def _uses(world):
    for name, venue in (("use_a", world.venue_a), ("use_b", world.venue_b)):
        world.extra[name] = Use.objects.create(
            venue=venue,
            outcome=Use.Outcome.REFUSED,
            reason="malformed",
            sector="culture",
            channel=Channel.TYPED,
            scanned_at=timezone.now(),
            used_on=timezone.localdate(),
            idempotency_key=f"perm-{name}",
            recorded_by=world.users["venue_staff"],  # staff undo their own; the venue admin any
        )


BATCH = {"uses": [{"key": "perm-1", "text": "KK-2222-2222"}]}

MATRIX = [
    Row("door:index", "GET", INDEX),
    Row("door:service_worker", "GET", ALL),
    Row("door:device_page", "GET", ALL),
    Row("door:page", "GET", VENUE, {"venue_id": "venue_a"}),
    Row("door:page", "GET", OTHER, {"venue_id": "venue_b"}),
    Row("door:devices", "GET", VENUE_ADMIN, {"venue_id": "venue_a"}),
    Row("door:devices", "POST", VENUE_ADMIN, {"venue_id": "venue_a"}, data={"label": "Box office"}),
    Row("door:devices", "GET", OTHER, {"venue_id": "venue_b"}),
    Row("door:revoke_device", "POST", VENUE_ADMIN_POST, {"venue_id": "venue_a", "pk": "device_a"}, setup=_devices),
    Row("door:revoke_device", "POST", OTHER, {"venue_id": "venue_a", "pk": "device_b"}, setup=_devices),
    Row("door:revoke_device", "POST", OTHER, {"venue_id": "venue_b", "pk": "device_b"}, setup=_devices),
    Row("door:printables", "GET", DISTRIBUTOR, {"site_id": "distributor_a"}),
    Row("door:printables", "GET", OTHER, {"site_id": "distributor_b"}),
    Row("door:stock_sheet", "GET", DISTRIBUTOR, {"site_id": "distributor_a"}),
    Row("door:stock_sheet", "GET", OTHER, {"site_id": "distributor_b"}),
    Row("door:holder_slip", "GET", DISTRIBUTOR, {"pk": "card_a"}),
    Row("door:holder_slip", "POST", DISTRIBUTOR, {"pk": "card_a"}, data={"activation_code": "WRONG"}),
    Row("door:holder_slip", "GET", OTHER, {"pk": "card_b"}),
    Row("door-api:keys", "GET", API),
    Row("door-api:revocations", "GET", API),
    Row("door-api:me", "GET", API),
    Row("door-api:config", "GET", API, {"venue_id": "venue_a"}),
    Row("door-api:config", "GET", API_OTHER, {"venue_id": "venue_b"}),
    Row("door-api:valid_cards", "GET", API, {"venue_id": "venue_a"}),
    Row("door-api:valid_cards", "GET", API_OTHER, {"venue_id": "venue_b"}),
    Row("door-api:check", "POST", API, {"venue_id": "venue_a"}, data={"text": "KK-2222-2222"}, content_type=JSON),
    Row("door-api:check", "POST", API_OTHER, {"venue_id": "venue_b"}, data={"text": "KK-2222-2222"}, content_type=JSON),
    Row("door-api:uses", "POST", API, {"venue_id": "venue_a"}, data=BATCH, content_type=JSON),
    Row("door-api:uses", "POST", API_OTHER, {"venue_id": "venue_b"}, data=BATCH, content_type=JSON),
    Row("door-api:undo", "POST", API, {"venue_id": "venue_a", "use_id": "use_a"}, setup=_uses, content_type=JSON),
    Row("door-api:undo", "POST", API_OTHER, {"venue_id": "venue_a", "use_id": "use_b"}, setup=_uses, content_type=JSON),
    Row("door-api:undo", "POST", API_OTHER, {"venue_id": "venue_b", "use_id": "use_b"}, setup=_uses, content_type=JSON),
]


class JsonClient(Client):
    """The matrix sends ``data`` as is; the API rows need it as JSON."""

    def generic(self, method, path, data="", content_type="application/octet-stream", **extra):  # type: ignore[no-untyped-def]
        if isinstance(data, dict) and content_type == JSON:
            data = json.dumps(data)
        return super().generic(method, path, data, content_type, **extra)


@pytest.mark.parametrize(("role", "row"), matrix_params(MATRIX))
def test_it_enforces_the_matrix(world, role, row):
    def client_for(role: str) -> Client:
        client = JsonClient()
        if role != "anonymous":
            client.force_login(world.users[role])
        return client

    check(world, role, row, client_for)
