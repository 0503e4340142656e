import datetime as dt
import random

from django.utils import timezone

from kaiku.accounts import demo as accounts_demo
from kaiku.cards import demo as cards_demo
from kaiku.network import demo as network_demo
from kaiku.network.models import Site
from kaiku.offers.models import Occurrence, Offer
from kaiku.outreach import demo as outreach_demo
from kaiku.outreach.services import portal_tips
from kaiku.portal import demo as portal_demo
from kaiku.visits import demo as visits_demo
from kaiku.web.demo import DemoContext


def test_the_demo_holder_has_a_workers_tip_in_the_portal(db, monkeypatch):
    monkeypatch.setattr(cards_demo, "PERSONAL_CARDS", 60)
    ctx = DemoContext(rng=random.Random(7), today=timezone.localdate())
    for module in (network_demo, accounts_demo, cards_demo, visits_demo):
        module.populate(ctx)
    desk = ctx.users["distributor"].roles.get().site
    venue = Site.objects.venues().filter(area=desk.area).first()
    offer = Offer.objects.create(venue=venue, sector="culture", title_fi="Demokonsertti")
    Occurrence.objects.create(offer=offer, starts_at=timezone.now() + dt.timedelta(days=5))
    portal_demo.populate(ctx)
    outreach_demo.populate(ctx)
    card = portal_demo.demo_card()
    assert card is not None
    assert [tip.offer for tip in portal_tips(card)] == [offer]
