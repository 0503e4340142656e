import base64
import datetime as dt

import pytest
import segno
from cryptography.hazmat.primitives import serialization
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kaiku.cards import services as cards
from kaiku.door import codes, keys
from kaiku.door import services as door
from kaiku.door.models import PublicKey
from kaiku.visits.models import Reason

pytestmark = pytest.mark.django_db


def _resign(code: str, pem: bytes) -> str:
    """The same payload signed by another key (with the register's key id kept)."""
    raw = base64.b32decode(code[3:] + "=" * (-len(code[3:]) % 8))
    private = serialization.load_pem_private_key(pem, password=None)
    payload = raw[: codes.PAYLOAD_LENGTH]
    return codes.PREFIX + base64.b32encode(payload + private.sign(payload)).decode().rstrip("=")  # type: ignore[union-attr]


def test_it_round_trips_a_card(world):
    code = codes.card_code(world.card_a)
    checked = codes.verify_code(code)
    assert checked.ok
    assert checked.code is not None
    assert checked.code.number == world.card_a.number
    assert checked.code.kind == "personal"
    assert checked.code.valid_until == world.card_a.valid_until
    assert checked.code.children == world.card_a.children
    assert checked.code.code_version == world.card_a.code_version
    assert checked.code.area_id == world.area_a.pk
    assert checked.code.local_only is False
    local = codes.verify_code(codes.card_code(world.card_l)).code
    assert local is not None and local.local_only and local.area_id == world.area_l.pk


def test_it_signs_stock_without_validity(world):
    code = codes.verify_code(codes.card_code(world.stock_a)).code
    assert code is not None and code.is_stock and code.valid_until is None


def test_it_fits_a_small_qr_code(world):
    code = codes.card_code(world.card_a)
    assert len(code) == codes.CODE_LENGTH
    qr = segno.make(code, error="m", boost_error=False)
    assert qr.version <= 10 and qr.error == "M"


def test_it_refuses_a_tampered_code(world):
    code = codes.card_code(world.card_a)
    # Change the children count inside the payload: the signature no longer matches.
    raw = bytearray(base64.b32decode(code[3:] + "=" * (-len(code[3:]) % 8)))
    raw[11] += 1
    tampered = codes.PREFIX + base64.b32encode(bytes(raw)).decode().rstrip("=")
    assert codes.verify_code(tampered).reason == codes.CodeRefusal.BAD_SIGNATURE


def test_it_refuses_a_truncated_code(world):
    code = codes.card_code(world.card_a)
    assert codes.verify_code(code[:-1]).reason == codes.CodeRefusal.MALFORMED
    assert codes.verify_code(code[:40]).reason == codes.CodeRefusal.MALFORMED


def test_it_refuses_a_code_signed_with_another_key(world, other_key):
    forged = _resign(codes.card_code(world.card_a), other_key)
    assert codes.verify_code(forged).reason == codes.CodeRefusal.BAD_SIGNATURE
    # With the other key's own id the key is simply unknown.
    raw = serialization.load_pem_private_key(other_key, password=None)
    other_id = keys.key_id_for(keys.public_raw(raw))  # type: ignore[arg-type]
    payload = bytearray(codes.payload_for(world.card_a, other_id))
    foreign = codes.PREFIX + base64.b32encode(bytes(payload) + raw.sign(bytes(payload))).decode().rstrip("=")  # type: ignore[union-attr]
    assert codes.verify_code(foreign).reason == codes.CodeRefusal.UNKNOWN_KEY


def test_it_keeps_verifying_after_a_key_rotation(world, settings):
    keys.clear_cache()  # the key registers its public half once per process: make it happen here
    old = codes.card_code(world.card_a)
    old_id = keys.current().key_id
    settings.CARD_SIGNING_KEY = keys.generate_pem().decode()
    keys.clear_cache()
    assert keys.current().key_id != old_id
    assert PublicKey.objects.filter(key_id=old_id).exists()
    assert codes.verify_code(old).ok
    assert codes.verify_code(codes.card_code(world.card_a)).ok
    PublicKey.objects.filter(key_id=old_id).update(retired_at=dt.datetime(2026, 6, 1, tzinfo=dt.UTC))
    assert codes.verify_code(old).reason == codes.CodeRefusal.UNKNOWN_KEY
    keys.clear_cache()


def test_the_server_refuses_expired_and_revoked_codes(world):
    code = codes.card_code(world.card_a)
    assert door.check(code, world.venue_a).valid
    assert door.check(code, world.venue_a, day=world.card_a.valid_until + dt.timedelta(days=1)).reason == Reason.EXPIRED
    cards.inactivate_card(world.card_a, "lost", None)
    assert door.check(code, world.venue_a).reason == Reason.INACTIVATED


def test_a_renewal_makes_the_old_code_outdated(world):
    old = codes.card_code(world.card_a)
    issued = cards.renew_card(world.card_a, None)
    assert door.check(old, world.venue_a).reason == door.DoorReason.OUTDATED_CODE
    assert door.check(codes.card_code(issued.card), world.venue_a).valid
    # The typed number keeps working: the register decides.
    assert door.check(world.card_a.number, world.venue_a).valid


def test_the_server_refuses_forged_codes(world, other_key):
    forged = _resign(codes.card_code(world.card_a), other_key)
    assert door.check(forged, world.venue_a).reason == codes.CodeRefusal.BAD_SIGNATURE


def test_the_revocation_list_has_changed_cards(world):
    first = door.revocations_since(0)
    assert first["full"] and first["entries"] == []
    cards.inactivate_card(world.card_a, "lost", None)
    cards.renew_card(world.card_b, None)
    delta = door.revocations_since(first["version"])
    entries = {number: (version, blocked) for number, version, blocked in delta["entries"]}
    assert entries[world.card_a.number] == (2, "inactivated")
    assert entries[world.card_b.number] == (2, "")
    assert not delta["full"] and delta["version"] >= first["version"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.one_of(
        st.binary(max_size=200),
        st.text(max_size=200),
        st.text(alphabet="KK:ABCDEFGHIJKLMNOPQRSTUVWXYZ234567=", max_size=200),
    )
)
def test_any_input_gets_a_clean_refusal(world, data):
    known = {1: bytes(32)}
    result = codes.verify_code(data, public_keys=known)
    assert result.code is None and result.reason in set(codes.CodeRefusal)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    flip=st.integers(min_value=0, max_value=codes.PAYLOAD_LENGTH + codes.SIGNATURE_LENGTH - 1), bit=st.integers(0, 7)
)
def test_any_flipped_bit_is_refused(world, flip, bit):
    code = codes.card_code(world.card_a)
    raw = bytearray(base64.b32decode(code[3:] + "=" * (-len(code[3:]) % 8)))
    raw[flip] ^= 1 << bit
    altered = codes.PREFIX + base64.b32encode(bytes(raw)).decode().rstrip("=")
    assert not codes.verify_code(altered).ok
