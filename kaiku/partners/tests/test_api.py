import pytest
from django.urls import reverse

from kaiku.partners import services
from kaiku.partners.models import ApiKey
from kaiku.visits.models import Use

ALL = ["check", "record", "read"]


@pytest.fixture
def agency_key(world):
    services.grant_agency(world.venue_a, world.agency_a, world.users["venue_admin"])
    return services.create_api_key(world.agency_a, "Sales", ALL, world.users["coordinator"])


def _auth(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def _url(name, **kw):
    return reverse(f"partners-api:{name}", kwargs=kw)


def test_it_checks_a_card_without_holder_data(world, client, agency_key):
    response = client.post(
        _url("check", venue_id=world.venue_a.pk),
        {"number": world.card_a.number},
        content_type="application/json",
        **_auth(agency_key.secret),
    )
    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is True and body["kind"] == "personal" and body["children_allowed"] == 2
    text = response.content.decode()
    assert "1957" not in text and "33999" not in text


def test_a_refused_check_is_kept_once_as_an_attempt(world, client, agency_key):
    world.card_a.status = "inactive"
    world.card_a.save()
    url = _url("check", venue_id=world.venue_a.pk)
    for _ in range(2):
        response = client.post(
            url, {"number": world.card_a.number}, content_type="application/json", **_auth(agency_key.secret)
        )
        assert response.json()["valid"] is False
    kept = Use.objects.refused().get()
    assert (kept.card, kept.venue, kept.channel, kept.reason) == (world.card_a, world.venue_a, "agency", "inactivated")
    assert Use.objects.count() == 1  # the same card checked again at once is the same attempt


def test_it_records_a_use_once_per_idempotency_key_and_voids_it(world, client, agency_key):
    url = _url("uses", venue_id=world.venue_a.pk)
    payload = {"number": world.card_a.number, "idempotency_key": "sale-1", "children": 1}
    first = client.post(url, payload, content_type="application/json", **_auth(agency_key.secret))
    again = client.post(url, payload, content_type="application/json", **_auth(agency_key.secret))
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and first.json()["accepted"] is True
    use = Use.objects.get()
    assert (use.channel, use.children) == ("agency", 1)
    void_url = _url("void", venue_id=world.venue_a.pk, use_id=use.pk)
    voided = client.post(
        void_url, {"reason": "Sale cancelled"}, content_type="application/json", **_auth(agency_key.secret)
    )
    assert voided.status_code == 200 and voided.json()["voided"] is True
    listed = client.get(url, **_auth(agency_key.secret)).json()
    assert [u["id"] for u in listed] == [use.pk]


def test_a_refusal_is_a_result_with_a_reason(world, client, agency_key):
    payload = {"number": world.card_a.number, "idempotency_key": "sale-2", "children": 9}
    response = client.post(
        _url("uses", venue_id=world.venue_a.pk), payload, content_type="application/json", **_auth(agency_key.secret)
    )
    assert response.status_code == 201
    assert (response.json()["accepted"], response.json()["reason"]) == (False, "too_many_children")


def test_a_venue_that_has_not_authorised_the_agency_is_404(world, client, agency_key):
    for name, method in [("check", "post"), ("uses", "get"), ("offers", "get")]:
        response = getattr(client, method)(
            _url(name, venue_id=world.venue_b.pk),
            {"number": world.card_b.number} if method == "post" else {},
            **({"content_type": "application/json"} if method == "post" else {}),
            **_auth(agency_key.secret),
        )
        assert response.status_code == 404, name
    assert not Use.objects.exists()


def test_withdrawing_the_authorisation_closes_the_venue(world, client, agency_key):
    auth = world.venue_a.agency_authorisations.get()
    services.withdraw_agency(auth, world.users["venue_admin"])
    response = client.get(_url("offers", venue_id=world.venue_a.pk), **_auth(agency_key.secret))
    assert response.status_code == 404
    assert client.get(_url("venues"), **_auth(agency_key.secret)).json() == []


def test_a_venue_key_acts_only_for_its_own_venue(world, client):
    new = services.create_api_key(world.venue_a, "Ticketing", ALL, world.users["coordinator"])
    assert client.get(_url("offers", venue_id=world.venue_a.pk), **_auth(new.secret)).status_code == 200
    assert client.get(_url("offers", venue_id=world.venue_l.pk), **_auth(new.secret)).status_code == 404


def test_a_revoked_unknown_or_missing_key_is_401(world, client, agency_key):
    url = _url("venues")
    assert client.get(url, **_auth(agency_key.secret)).status_code == 200
    services.revoke_api_key(agency_key.key, world.users["coordinator"])
    response = client.get(url, **_auth(agency_key.secret))
    assert response.status_code == 401 and "Bearer" in response["WWW-Authenticate"]
    assert client.get(url, **_auth(agency_key.secret[:-2] + "xx")).status_code == 401
    assert client.get(url).status_code == 401
    # A signed-in staff session is not an API key.
    client.force_login(world.users["national_admin"])
    assert client.get(url).status_code == 401


def test_a_key_without_the_operation_is_403(world, client):
    services.grant_agency(world.venue_a, world.agency_a, world.users["venue_admin"])
    new = services.create_api_key(world.agency_a, "Read only", ["read"], world.users["coordinator"])
    response = client.post(
        _url("check", venue_id=world.venue_a.pk),
        {"number": world.card_a.number},
        content_type="application/json",
        **_auth(new.secret),
    )
    assert response.status_code == 403


def test_the_rate_limit_answers_429_with_retry_after(world, client):
    new = services.create_api_key(world.venue_a, "Tiny", ALL, world.users["coordinator"], rate_limit=3)
    url = _url("venues")
    statuses = [client.get(url, **_auth(new.secret)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get(url, **_auth(new.secret))
    assert response.status_code == 429 and 1 <= int(response["Retry-After"]) <= 60
    assert response.json()["code"] == "throttled" and set(response.json()) == {"code", "detail"}
    # Another key has its own budget.
    other = services.create_api_key(world.venue_a, "Other", ALL, world.users["coordinator"], rate_limit=3)
    assert client.get(url, **_auth(other.secret)).status_code == 200


def test_it_stores_only_a_hash_and_records_the_last_use(world, client, agency_key):
    key = ApiKey.objects.get(pk=agency_key.key.pk)
    assert agency_key.secret not in (key.key_hash, key.prefix) and key.last_used_at is None
    client.get(_url("venues"), **_auth(agency_key.secret))
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_bad_input_is_400_and_changes_nothing(world, client, agency_key):
    url = _url("uses", venue_id=world.venue_a.pk)
    for payload in [
        {"number": world.card_a.number},
        {"number": world.card_a.number, "idempotency_key": "  "},
        {"number": world.card_a.number, "idempotency_key": "x", "children": -1},
        {"number": world.card_a.number, "idempotency_key": "x", "occurrence": 999999},
        {"number": world.card_a.number, "idempotency_key": "x", "scanned_at": "1999-01-01T00:00:00Z"},
    ]:
        assert client.post(url, payload, content_type="application/json", **_auth(agency_key.secret)).status_code == 400
    assert client.get(url + "?on=notadate", **_auth(agency_key.secret)).status_code == 400
    assert not Use.objects.exists()


def test_the_schema_and_docs_pages_describe_the_partner_api(client):
    schema = client.get(reverse("api-schema"), HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    assert b"/api/partners/venues/{venue_id}/check/" in schema.content
    assert client.get(reverse("api-docs")).status_code == 200


def test_the_browsable_docs_page_lists_every_operation(client):
    body = client.get(reverse("partners-api:docs"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for op in [
        "GET /api/partners/venues/",
        "POST /api/partners/venues/{venue_id}/check/",
        "POST /api/partners/venues/{venue_id}/uses/{use_id}/void/",
    ]:
        assert op in body
    assert "idempotency_key" in body and 'id="schema-Use"' in body


def test_a_key_voids_only_its_own_uses_within_the_undo_window(world, client, agency_key):
    import datetime as dt

    import time_machine
    from django.utils import timezone

    from kaiku.visits.models import Channel
    from kaiku.visits.services import UNDO_WINDOW, UseRequest, record_use

    desk = record_use(
        UseRequest(venue=world.venue_a, number=world.card_b.number, channel=Channel.TYPED, idempotency_key="desk")
    ).use
    other_key = services.create_api_key(world.agency_a, "Other", ALL, world.users["coordinator"])
    url = _url("uses", venue_id=world.venue_a.pk)
    mine = client.post(
        url,
        {"number": world.card_a.number, "idempotency_key": "s"},
        content_type="application/json",
        **_auth(agency_key.secret),
    ).json()

    def void(use_id, secret):
        return client.post(
            _url("void", venue_id=world.venue_a.pk, use_id=use_id),
            {"reason": "Sale cancelled"},
            content_type="application/json",
            **_auth(secret),
        )

    for use_id, secret in [(desk.pk, agency_key.secret), (mine["id"], other_key.secret)]:
        refused = void(use_id, secret)
        assert refused.status_code == 409 and refused.json()["code"] == "not_yours_to_undo"
    with time_machine.travel(timezone.now() + UNDO_WINDOW + dt.timedelta(seconds=5)):
        late = void(mine["id"], agency_key.secret)
    assert late.status_code == 409 and late.json()["code"] == "too_late_to_undo"
    assert not Use.objects.filter(voided_at__isnull=False).exists()
    assert void(mine["id"], agency_key.secret).json()["voided"] is True
