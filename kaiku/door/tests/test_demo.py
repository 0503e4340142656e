import random

from django.utils import timezone
from rest_framework.test import APIClient

from kaiku.accounts import demo as accounts_demo
from kaiku.door import demo as door_demo
from kaiku.network import demo as network_demo
from kaiku.web.demo import DemoContext


def test_the_demo_device_token_opens_the_demo_venue(db):
    ctx = DemoContext(rng=random.Random(7), today=timezone.localdate())
    for module in (network_demo, accounts_demo, door_demo):
        module.populate(ctx)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Device {door_demo.DEMO_DEVICE_TOKEN}")
    venue = ctx.users["venue_staff"].roles.get().site
    assert client.get("/api/door/me/").json()["venues"] == [{"id": venue.pk, "name": venue.name}]
