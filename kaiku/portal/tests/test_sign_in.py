import datetime as dt
import re

from django.core import mail
from django.test import Client

from kaiku.cards.services import inactivate_card, reissue_activation_code, replace_card
from kaiku.portal import services
from kaiku.portal.holder import COOKIE
from kaiku.portal.models import HolderDevice, SignInAttempt
from kaiku.portal.tests.conftest import CODE, holder_client, with_code

URL = "/portal/sign-in/"


def _post(client, number, code, **extra):
    return client.post(URL, {"number": number, "code": code}, **extra)


def _body(response, typed: str = "") -> str:
    """The page without its per-response CSRF token and the number typed back into the form."""
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return body.replace(f'value="{typed}"', 'value=""') if typed else body


def test_it_signs_in_with_card_number_and_activation_code(world, client):
    with_code(world.card_a)
    response = _post(client, world.card_a.display_number, CODE.lower()[:4] + " " + CODE[4:])
    assert response.status_code == 302
    assert client.cookies[COOKIE].value
    card = client.get("/portal/card/")
    assert card.status_code == 200
    assert world.card_a.display_number in card.content.decode()
    assert SignInAttempt.objects.filter(card=world.card_a, outcome="success").count() == 1


def test_it_answers_the_same_for_unknown_known_and_inactive_cards(world, client):
    with_code(world.card_a)
    with_code(world.card_b)
    inactivate_card(world.card_b, "lost", world.users["distributor"])
    from kaiku.cards import numbers

    unknown = numbers.generate()
    tries = [
        (world.card_a.number, "WRONG234"),  # known number, wrong code
        (unknown, "WRONG234"),  # no such card
        (world.card_b.number, CODE),  # right code, inactivated card
        (world.stock_a.number, "WRONG234"),  # card stock, not registered
        ("KK-not-a-card", "WRONG234"),  # not even a number
    ]
    answers = [(_post(client, number, code), number) for number, code in tries]
    assert {r.status_code for r, _n in answers} == {200}
    assert len({_body(r, number) for r, number in answers}) == 1
    answers = [r for r, _n in answers]
    assert (
        "activation code is not right" in answers[0].content.decode()
        or "aktivointikoodi" in answers[0].content.decode()
    )
    assert COOKIE not in client.cookies
    assert SignInAttempt.objects.filter(outcome="wrong").count() == 5


def test_it_throttles_repeated_wrong_codes_and_logs_them(world, client, _clock):
    with_code(world.card_a)
    for _ in range(services.MAX_WRONG_PER_NUMBER):
        _post(client, world.card_a.number, "WRONG234")
    # Even the right code is refused while the number is locked.
    response = _post(client, world.card_a.number, CODE)
    assert response.status_code == 200
    assert COOKIE not in client.cookies
    attempts = SignInAttempt.objects.filter(typed=world.card_a.number)
    assert attempts.filter(outcome="wrong").count() == services.MAX_WRONG_PER_NUMBER
    assert attempts.filter(outcome="throttled").count() == 1
    # After the window the holder can sign in again.
    _clock.shift(services.THROTTLE_WINDOW + dt.timedelta(minutes=1))
    assert _post(client, world.card_a.number, CODE).status_code == 302


def test_it_throttles_unknown_numbers_exactly_like_known_ones(world, client):
    from kaiku.cards import numbers

    with_code(world.card_a)
    unknown = numbers.generate()
    for number in (world.card_a.number, unknown):
        for _ in range(services.MAX_WRONG_PER_NUMBER):
            _post(client, number, "WRONG234")
    known_locked = _post(client, world.card_a.number, "WRONG234")
    unknown_locked = _post(client, unknown, "WRONG234")
    assert _body(known_locked, world.card_a.number) == _body(unknown_locked, unknown)
    assert SignInAttempt.objects.filter(outcome="throttled").count() == 2


def test_it_throttles_one_client_guessing_many_numbers(world, client):
    from kaiku.cards import numbers

    with_code(world.card_a)
    for _ in range(services.MAX_WRONG_PER_CLIENT):
        _post(client, numbers.generate(), "WRONG234")
    assert _post(client, world.card_a.number, CODE).status_code == 200
    # Another client is not affected.
    assert _post(client, world.card_a.number, CODE, REMOTE_ADDR="10.0.0.9").status_code == 302


def test_the_device_stays_signed_in_until_sign_out(world):
    client = holder_client(world.card_a)
    assert client.get("/portal/card/").status_code == 200
    response = client.post("/portal/sign-out/")
    assert response.status_code == 200
    assert client.get("/portal/card/").status_code == 302
    assert HolderDevice.objects.get(card=world.card_a).signed_out_reason == "signed_out"


def test_inactivating_or_replacing_the_card_signs_its_devices_out(world):
    client_a = holder_client(world.card_a)
    client_b = holder_client(world.card_b)
    inactivate_card(world.card_a, "moved away", world.users["distributor"])
    replace_card(world.card_b, None)
    assert client_a.get("/portal/card/").status_code == 302
    assert client_b.get("/portal/card/").status_code == 302
    reasons = set(HolderDevice.objects.values_list("signed_out_reason", flat=True))
    assert reasons == {"card_inactive", "card_replaced"}


def test_a_reissued_activation_code_replaces_the_old_one(world, client):
    with_code(world.card_a)
    new_code = reissue_activation_code(world.card_a, world.users["distributor"])
    assert _post(client, world.card_a.number, CODE).status_code == 200
    assert _post(client, world.card_a.number, new_code).status_code == 302


def _consenting(card, email="holder@example.org"):
    card.portal_consent = True
    card.email = email
    card.save()
    return card


def test_it_sends_a_one_time_sign_in_link_by_email(world, client, django_capture_on_commit_callbacks):
    _consenting(world.card_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/portal/sign-in/email/", {"email": "Holder@Example.org"})
    assert response.status_code == 200
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["holder@example.org"]
    path = re.search(r"(/portal/sign-in/link/[^/\s]+/)", mail.outbox[0].body).group(1)
    # Opening the link (a mail scanner, too) does not use it up; confirming does.
    assert client.get(path).status_code == 200
    assert client.post(path).status_code == 302
    assert client.get("/portal/card/").status_code == 200
    # The link works once.
    again = Client().post(path)
    assert again.status_code == 200 and COOKIE not in again.cookies
    assert HolderDevice.objects.filter(card=world.card_a, method="email").count() == 1
    assert SignInAttempt.objects.filter(method="email_link", outcome="bad_link").count() == 1


def test_a_sign_in_link_expires(world, client, _clock, django_capture_on_commit_callbacks):
    _consenting(world.card_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/portal/sign-in/email/", {"email": "holder@example.org"})
    path = re.search(r"(/portal/sign-in/link/[^/\s]+/)", mail.outbox[0].body).group(1)
    _clock.shift(services.LINK_VALID_FOR + dt.timedelta(minutes=1))
    client.post(path)
    assert COOKIE not in client.cookies or not client.cookies[COOKIE].value
    assert SignInAttempt.objects.filter(method="email_link", outcome="bad_link").count() == 1


def test_a_link_request_reveals_nothing_and_is_throttled(world, client, django_capture_on_commit_callbacks):
    _consenting(world.card_a)
    world.card_b.email = "nocontent@example.org"  # an address without consent gets nothing
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post("/portal/sign-in/email/", {"email": "holder@example.org"})
        unknown = client.post("/portal/sign-in/email/", {"email": "nobody@example.org"})
    assert _body(known, "holder@example.org") == _body(unknown, "nobody@example.org")
    assert len(mail.outbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(services.MAX_LINKS_PER_ADDRESS + 1):
            client.post("/portal/sign-in/email/", {"email": "holder@example.org"}, REMOTE_ADDR="10.0.0.8")
    assert len(mail.outbox) == services.MAX_LINKS_PER_ADDRESS
    assert SignInAttempt.objects.filter(method="email_request", outcome="throttled").exists()
