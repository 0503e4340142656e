import datetime as dt
import random

from django.test import Client
from django.utils import timezone

from kaiku.accounts import demo as accounts_demo
from kaiku.cards import demo as cards_demo
from kaiku.network import demo as network_demo
from kaiku.network.models import Site
from kaiku.offers.models import Occurrence, Offer
from kaiku.portal import demo as portal_demo
from kaiku.portal.models import Feedback, GroupVisit, WellbeingAnswer
from kaiku.visits import demo as visits_demo
from kaiku.web.demo import DemoContext


def test_the_portal_demo_gives_a_holder_to_sign_in_as(db, monkeypatch):
    monkeypatch.setattr(cards_demo, "PERSONAL_CARDS", 60)
    ctx = DemoContext(rng=random.Random(7), today=timezone.localdate())
    for module in (network_demo, accounts_demo, cards_demo, visits_demo):
        module.populate(ctx)
    desk = ctx.users["distributor"].roles.get().site
    venue = Site.objects.venues().filter(area=desk.area).first()
    offer = Offer.objects.create(venue=venue, sector="culture", title_fi="Demokonsertti")
    Occurrence.objects.create(offer=offer, starts_at=timezone.now() + dt.timedelta(days=5))
    portal_demo.populate(ctx)

    card = portal_demo.demo_card()
    assert card is not None and card.site == desk
    client = Client()
    response = client.post(
        "/portal/sign-in/", {"number": card.display_number, "code": portal_demo.DEMO_ACTIVATION_CODE}
    )
    assert response.status_code == 302
    assert client.get("/portal/card/").status_code == 200
    assert Feedback.objects.exists()
    assert WellbeingAnswer.objects.filter(occasion="registration").exists()
    assert GroupVisit.objects.filter(site__area=desk.area).exists()
    assert any(portal_demo.DEMO_ACTIVATION_CODE in login[1] for login in ctx.logins)
