"""The demo data set: the shape issue 2 asks for, consistent card histories, working logins.

The register's own demo modules run here on a smaller card count; `make run` loads
the full set (550+ cards, 3,000+ uses) through `manage.py demo_data`.
"""

from __future__ import annotations

import base64
import io
import random

from django.core.management import call_command
from django.db.models import Count
from django.test import Client
from django.utils import timezone

from kaiku.accounts import demo as accounts_demo
from kaiku.accounts.models import Role, RoleAssignment
from kaiku.cards import demo as cards_demo
from kaiku.cards.models import Card, CardEvent
from kaiku.network import demo as network_demo
from kaiku.network.models import Area, Sector, Site
from kaiku.visits import demo as visits_demo
from kaiku.visits.models import Use
from kaiku.web.demo import DEMO_PASSWORD, DemoContext


def test_the_demo_data_set(db, monkeypatch):
    """One load (it takes a few seconds), checked from every side."""
    monkeypatch.setattr(cards_demo, "PERSONAL_CARDS", 60)
    ctx = DemoContext(rng=random.Random(7), today=timezone.localdate())
    for module in (network_demo, accounts_demo, cards_demo, visits_demo):
        module.populate(ctx)
    check_the_network_has_three_kinds_of_area()
    check_one_login_per_role_and_each_works(ctx)
    check_cards_have_plausible_histories(ctx)
    check_uses_include_refused_and_voided_ones(ctx)
    check_demo_logins_prints_every_login(ctx)
    check_the_demo_second_factor_signs_in(ctx)


def check_the_network_has_three_kinds_of_area():
    areas = {a.slug: a for a in Area.objects.annotate(n=Count("municipalities"))}
    assert areas["tampere"].kind == Area.Kind.MUNICIPALITY and areas["tampere"].status == Area.Status.ACTIVE
    county = areas["pohjois-savo"]
    assert county.kind == Area.Kind.COUNTY and county.n >= 5
    assert set(county.municipalities.values_list("code", flat=True)) >= {"297", "749", "140", "915", "778"}
    pilot = areas["porvoo"]
    assert pilot.local_only and pilot.status == Area.Status.PILOT
    venues = Site.objects.venues()
    assert venues.count() >= 10
    assert set(venues.values_list("sector", flat=True)) == set(Sector.values)
    assert Site.objects.distributors().count() >= 6 and Site.objects.agencies().exists()
    for area in areas.values():
        assert area.sites.filter(kind=Site.Kind.DISTRIBUTOR).exists() and area.sites.filter(kind=Site.Kind.VENUE)


def check_one_login_per_role_and_each_works(demo):
    roles = set(RoleAssignment.objects.values_list("role", flat=True))
    assert roles == set(Role.values)
    sides = set(RoleAssignment.objects.filter(role=Role.AREA_COORDINATOR).values_list("side", flat=True))
    assert sides == {"culture", "social"}
    for _description, email, where in demo.logins:
        client = Client()
        assert client.login(email=email, password=DEMO_PASSWORD), email
        for page in where.split():
            if page.startswith("/django-admin"):
                continue
            assert client.get(page).status_code == 200, (email, page)


def check_cards_have_plausible_histories(demo):
    cards = Card.objects.registered()
    assert cards.filter(kind=Card.Kind.COMMUNITY).count() >= 20
    statuses = set(cards.values_list("status", flat=True))
    assert statuses == {Card.Status.ACTIVE, Card.Status.INACTIVE, Card.Status.REPLACED}
    today = timezone.localdate()
    assert cards.filter(status=Card.Status.ACTIVE, valid_until__lt=today).exists(), "some cards have expired"
    assert Card.objects.filter(status=Card.Status.UNREGISTERED).count() >= 6 * cards_demo.STOCK_PER_SITE
    for card in cards.filter(status=Card.Status.REPLACED):
        assert card.replaced_by is not None and card.replaced_by.status == Card.Status.ACTIVE
    # Each card ends in the state its last history step says.
    for pk, states in demo.extra["card_states"].items():
        card = Card.objects.get(pk=pk)
        final = states[-1][1]
        assert (card.status, card.issued_on, card.valid_until) == (
            final["status"],
            final["issued_on"],
            final["valid_until"],
        )
        assert card.events.filter(kind__in=[CardEvent.Kind.REGISTERED, CardEvent.Kind.REPLACEMENT]).count() == 1
    assert not cards.filter(registered_on__gt=today).exists()
    assert all(card.birth_year is None or today.year - card.birth_year >= 16 for card in cards)


def check_uses_include_refused_and_voided_ones(demo):
    uses = Use.objects.all()
    assert uses.count() > 400
    assert uses.accepted().count() > uses.refused().count() > 0
    assert uses.filter(voided_at__isnull=False).exists()
    reasons = set(uses.refused().values_list("reason", flat=True))
    assert {"bad_check_character", "too_many_children", "expired"} <= reasons
    # Accepted uses happened while the card was valid.
    for use in uses.accepted().filter(forced=False).select_related("card"):
        state = visits_demo._state_on(demo.extra["card_states"][use.card_id], use.used_on)
        assert state["status"] == Card.Status.ACTIVE and state["issued_on"] <= use.used_on <= state["valid_until"]
    assert not uses.filter(scanned_at__gt=timezone.now()).exists()


def check_demo_logins_prints_every_login(demo):
    import tempfile
    from pathlib import Path

    from django.test import override_settings

    from kaiku.web.demo import save_logins

    # Other apps add their own demo access (device tokens, API keys); demo_data saves them all.
    demo.logins.append(("Door device token", "demo-token-123", "Tampereen Teatteri"))
    with tempfile.TemporaryDirectory() as folder, override_settings(DEMO_LOGINS_FILE=Path(folder) / "logins.json"):
        save_logins(demo)
        out = io.StringIO()
        call_command("demo_logins", stdout=out)
    text = out.getvalue()
    for _description, login, _where in demo.logins:
        assert login in text
    assert "Door device token: demo-token-123" in text
    assert text.count("admin@demo.kaiku.fi") == 1, "role logins are not repeated"
    assert DEMO_PASSWORD in text and "Try a valid card" in text
    assert base64.b32encode(bytes.fromhex(accounts_demo.DEMO_TOTP_KEY)).decode() in text


def check_the_demo_second_factor_signs_in(demo):
    """The national admin demo login through the real second step, with the printed key's code."""
    client = Client()
    response = client.post("/accounts/login/", {"username": "admin@demo.kaiku.fi", "password": DEMO_PASSWORD})
    assert response["Location"].startswith("/accounts/two-factor/verify/")
    code = io.StringIO()
    call_command("demo_totp", stdout=code)
    response = client.post(response["Location"], {"code": code.getvalue().strip()})
    assert response.status_code == 302 and client.get("/network/areas/").status_code == 200


def test_demo_data_if_empty_leaves_a_database_with_data_alone(world):
    out = io.StringIO()
    call_command("demo_data", "--if-empty", stdout=out)
    assert "not loaded" in out.getvalue()
    assert Area.objects.count() == 3 and not Use.objects.exists()
