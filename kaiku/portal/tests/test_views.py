import datetime as dt

from kaiku.cards.services import correct_card, renew_card
from kaiku.portal.qr import card_qr_text
from kaiku.portal.tests.conftest import holder_client
from kaiku.visits.services import UseRequest, record_use


def english(client):
    client.cookies["kaiku_language"] = "en"
    return client


def test_the_digital_card_follows_the_card(world, _clock):
    client = holder_client(world.card_a)
    first = client.get("/portal/card/").content.decode()
    assert 'data-card-version="1"' in first
    assert client.get("/portal/card/version/").json() == {"signed_in": True, "version": 1}
    old_code = card_qr_text(world.card_a)
    _clock.shift(dt.timedelta(days=300))
    renew_card(world.card_a, world.users["distributor"])
    world.card_a.refresh_from_db()
    assert client.get("/portal/card/version/").json()["version"] == 2
    second = client.get("/portal/card/").content.decode()
    assert 'data-card-version="2"' in second
    assert card_qr_text(world.card_a) != old_code
    assert second.split('class="qr-wrap"')[1][:4000] != first.split('class="qr-wrap"')[1][:4000]


def test_the_card_shows_number_validity_and_children_discreetly(world):
    body = english(holder_client(world.card_a)).get("/portal/card/").content.decode()
    assert world.card_a.display_number in body
    assert world.card_a.valid_until.strftime("%-d.%-m.%Y") in body
    assert "up to 2 children" in body
    for word in ("poor", "köyh", "fattig", "low income", "1957", "33999"):
        assert word not in body.lower()


def test_the_card_page_tells_an_expired_holder_where_to_renew(world, _clock):
    _clock.shift(dt.timedelta(days=400))
    body = english(holder_client(world.card_a)).get("/portal/card/").content.decode()
    assert "no longer valid" in body and world.distributor_a.name in body


def test_own_uses_have_a_yearly_summary(world, _clock):
    def use(key):
        result = record_use(
            UseRequest(venue=world.venue_a, number=world.card_a.number, channel="scan", idempotency_key=key, children=1)
        )
        assert result.accepted

    use("old")  # June 2026
    _clock.shift(dt.timedelta(days=240))  # February 2027
    use("a")
    use("b")
    client = english(holder_client(world.card_a))
    body = client.get("/portal/uses/").content.decode()
    assert "You have been to 2 events this year." in body
    assert "Children came along 2 times." in body
    last_year = client.get("/portal/uses/?year=2026").content.decode()
    assert "You went to 1 event in 2026." in last_year
    assert "You have been to 2 events this year." in client.get("/portal/").content.decode()


def test_a_year_without_uses_or_out_of_range_is_a_400_with_a_message(world):
    client = english(holder_client(world.card_a))
    for year in ("0", "-5", "9999", "10000", "2019", "abc"):
        response = client.get("/portal/uses/", {"year": year})
        assert response.status_code == 400, year
        body = response.content.decode()
        assert "There are no uses to show for that year." in body
        assert "You have been to 0 events this year." in body
    assert client.get("/portal/uses/", {"year": "2026"}).status_code == 200


def test_a_correction_keeps_the_holder_signed_in(world):
    from kaiku.cards.services import HolderDetails

    client = holder_client(world.card_a)
    card = world.card_a
    details = HolderDetails(birth_year=card.birth_year, municipality=card.municipality, postal_code="33100", children=1)
    correct_card(card, details, world.users["distributor"])
    assert client.get("/portal/card/").status_code == 200


def test_the_text_size_is_remembered(world):
    client = holder_client(world.card_a)
    response = client.post("/portal/text-size/", {"size": "150", "next": "/portal/card/"})
    assert response["Location"] == "/portal/card/"
    assert 'class="ts-150"' in client.get("/portal/card/").content.decode()
    client.post("/portal/text-size/", {"size": "999", "next": "https://evil.example/"})
    assert 'class="ts-150"' in client.get("/portal/card/").content.decode()


def test_the_app_is_installable(client):
    manifest = client.get("/portal/manifest.webmanifest").json()
    assert manifest["start_url"] == "/portal/card/" and manifest["display"] == "standalone"
    worker = client.get("/portal/sw.js")
    assert worker["Service-Worker-Allowed"] == "/portal/"
    assert b"/portal/card/" in worker.content


def test_the_group_form_points_to_registering_a_community_card(world):
    from kaiku.portal.tests.conftest import community_card

    client = world.client_for("distributor")
    url = f"/portal/sites/{world.distributor_a.pk}/groups/new/"
    assert client.get(url).context["no_community_card"] is True
    community_card(world)
    assert client.get(url).context["no_community_card"] is False
