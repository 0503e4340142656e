"""Two factors for staff: who needs one, the session's state, and every change to a person's factors.

A correct password (or an organisation's sign-in) only half signs a person in. Those
who see card data (national admin, area coordinators, distributor staff, and anyone
with Django admin access) must then prove a second factor, or enrol one if they have
none; venue staff may enrol one and are then asked for it too.
``SecondFactorMiddleware`` holds a half-signed-in session away from every other page.

Other sign-in paths (OpenID Connect) call ``post_login_redirect`` after ``login()``,
and ``mark_verified(request, Method.TRUSTED_PROVIDER)`` only for a provider that is
configured as trusted to have asked for a second factor itself.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.db import models, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from kaiku.accounts.models import Passkey, User
from kaiku.accounts.scopes import scope_for
from kaiku.audit import services as audit
from kaiku.web.errors import CodedError

# The session's second-factor state: {"user": pk, "method": Method or NOT_NEEDED}.
SESSION_KEY = "kaiku_second_factor"
# A challenge waiting for a passkey's answer: {"purpose": ..., "challenge": base64url, "at": unix time}.
CHALLENGE_KEY = "kaiku_webauthn_challenge"
# Recovery codes made in this request, shown once by the next page and removed.
NEW_CODES_KEY = "kaiku_new_recovery_codes"
NOT_NEEDED = "not_needed"
RECOVERY_CODE_COUNT = 10
CHALLENGE_SECONDS = 300
TOTP_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"


class Method(models.TextChoices):
    TOTP = "totp", _("Authenticator app")
    RECOVERY_CODE = "recovery_code", _("Recovery code")
    PASSKEY = "passkey", _("Passkey")
    # An organisation's identity provider configured as asking for a second factor itself.
    TRUSTED_PROVIDER = "trusted_provider", _("Organisation sign-in")


class SecondFactorError(CodedError):
    """A refused second-factor step, with a stable ``code`` and a message for the person."""

    MESSAGES = {
        "invalid_code": _("That code is not right. Check the code in your app, or use a recovery code."),
        "throttled": _("Too many wrong codes. Wait a moment and try again."),
        "verify_first": _("Confirm your sign-in with your current second factor first."),
        "no_factor": _("You have no second factor yet. Set up an authenticator app or a passkey first."),
        "challenge_missing": _("The passkey request has expired. Try again."),
        "passkey_invalid": _("The passkey could not be verified. Try again, or use a code."),
        "passkey_unknown": _("This passkey is not registered for your account."),
        "no_passkey": _("You have no passkey. Use a code instead."),
    }


# --------------------------------------------------------------------------- who needs what


def _role_requires(user: Any) -> bool:
    if user.is_staff or user.is_superuser:
        return True
    scope = scope_for(user)
    return bool(scope.national or scope.coordinator_area_ids or scope.distributor_site_ids)


def has_factor(user: Any) -> bool:
    """An authenticator app or a passkey (recovery codes alone are not a factor to enrol)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists() or Passkey.objects.filter(user=user).exists()


def requires_second_factor(user: Any) -> bool:
    """Whether this person must prove a second factor after the password (the one rule)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return _role_requires(user) or has_factor(user)


def _state(request: HttpRequest) -> dict[str, Any] | None:
    state = request.session.get(SESSION_KEY)
    if isinstance(state, dict) and state.get("user") == request.user.pk:
        return state
    return None


def is_verified(request: HttpRequest) -> bool:
    state = _state(request)
    return state is not None and state.get("method") != NOT_NEEDED


def needs_second_step(request: HttpRequest) -> bool:
    """A signed-in session that has not yet passed the second factor its person needs.

    Called on every request: a verified session answers from the session alone. A
    person who needed no second factor at first is remembered so (saving the device
    look-ups on every venue request); a role given later is still caught at once.
    """
    user = request.user
    if not user.is_authenticated:
        return False
    state = _state(request)
    if state is not None:
        return state.get("method") == NOT_NEEDED and _role_requires(user)
    if requires_second_factor(user):
        return True
    request.session[SESSION_KEY] = {"user": user.pk, "method": NOT_NEEDED}
    return False


def mark_verified(request: HttpRequest, method: str) -> None:
    """The session has passed its second factor; a new session key, as at sign-in."""
    request.session.cycle_key()
    request.session[SESSION_KEY] = {"user": request.user.pk, "method": str(method)}


def safe_next(request: HttpRequest, url: str | None) -> str:
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=False):
        return url
    return reverse(settings.LOGIN_REDIRECT_URL)


def second_step_url(request: HttpRequest, next_url: str) -> str:
    """The verify page, or the enrolment page for a person who has no factor yet."""
    name = "accounts:second_factor" if has_factor(request.user) else "accounts:second_factor_setup"
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def post_login_redirect(request: HttpRequest, next_url: str) -> str:
    """Where to go after ``login()``: the second step when one is needed, else ``next_url``.

    The hook every sign-in path calls (the password form here, OpenID Connect elsewhere).
    """
    if needs_second_step(request):
        return second_step_url(request, next_url)
    return next_url


# --------------------------------------------------------------------------- TOTP and recovery codes


def pending_totp(user: User) -> TOTPDevice:
    """The unconfirmed authenticator-app device being set up (one at a time)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def totp_secret(device: TOTPDevice) -> str:
    """The secret as people type it into an app: base32 in groups of four."""
    text = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def _clean_code(code: str) -> str:
    return "".join(str(code).split()).replace("-", "").lower()[:16]


def enrolment_allowed(request: HttpRequest) -> bool:
    """A new factor is added by a verified session, or by a person who has none yet."""
    return is_verified(request) or not has_factor(request.user)


def _audit_user(actor: Any, action: str, user: User, **changes: Any) -> None:
    # Labelled by id: the audit log holds no e-mail addresses (the actor's own aside).
    audit.record(actor, action, user, changes=changes, label=f"user #{user.pk}")


def confirm_totp(request: HttpRequest, code: str) -> list[str]:
    """Confirm the pending authenticator app with a code from it; returns new recovery codes, if made.

    Not one transaction: a wrong code's throttling count must stay written.
    """
    user: User = request.user  # type: ignore[assignment]
    if not enrolment_allowed(request):
        raise SecondFactorError("verify_first")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        raise SecondFactorError("invalid_code")
    if not device.verify_is_allowed()[0]:
        raise SecondFactorError("throttled")
    if not device.verify_token(_clean_code(code)):
        raise SecondFactorError("invalid_code")
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        _audit_user(user, "accounts.totp_added", user)
        codes = _ensure_recovery_codes(user)
    mark_verified(request, Method.TOTP)
    return codes


def _make_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def _ensure_recovery_codes(user: User) -> list[str]:
    if StaticToken.objects.filter(device__user=user).exists():
        return []
    codes = _make_recovery_codes(user)
    _audit_user(user, "accounts.recovery_codes_made", user, count=len(codes))
    return codes


@transaction.atomic
def renew_recovery_codes(request: HttpRequest) -> list[str]:
    """New recovery codes for a verified person; the old ones stop working."""
    user: User = request.user  # type: ignore[assignment]
    if not has_factor(user):
        raise SecondFactorError("no_factor")
    if not is_verified(request):
        raise SecondFactorError("verify_first")
    codes = _make_recovery_codes(user)
    _audit_user(user, "accounts.recovery_codes_made", user, count=len(codes))
    return codes


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user).count()


def verify_code(request: HttpRequest, code: str) -> str:
    """Pass the second step with an authenticator code or a recovery code; returns the method.

    Not one transaction: a wrong code's throttling count and audit entry must stay written.
    django-otp refuses a TOTP code at or before the last accepted one, so a code works once.
    """
    user: User = request.user  # type: ignore[assignment]
    cleaned = _clean_code(code)
    # Six digits from an app; recovery codes are eight base32 characters (rarely all digits).
    if cleaned.isdigit() and len(cleaned) == 6:
        devices: list[TOTPDevice | StaticDevice] = list(TOTPDevice.objects.filter(user=user, confirmed=True))
        method = Method.TOTP
    else:
        devices = list(StaticDevice.objects.filter(user=user, confirmed=True))
        method = Method.RECOVERY_CODE
    if not devices:
        raise SecondFactorError("invalid_code")
    if not any(device.verify_is_allowed()[0] for device in devices):
        raise SecondFactorError("throttled")
    if not any(device.verify_token(cleaned) for device in devices):
        _audit_user(user, "accounts.second_factor_failed", user, method=str(method))
        raise SecondFactorError("invalid_code")
    mark_verified(request, method)
    _audit_user(user, "accounts.second_factor_passed", user, method=str(method))
    return str(method)


# --------------------------------------------------------------------------- passkeys (WebAuthn)


def relying_party() -> tuple[str, str]:
    """The relying party's id and origin, from SITE_ROOT (``https://kaiku.example`` → ``kaiku.example``)."""
    parts = urlsplit(settings.SITE_ROOT)
    return parts.hostname or "localhost", f"{parts.scheme}://{parts.netloc}"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _store_challenge(request: HttpRequest, purpose: str, challenge: bytes) -> None:
    request.session[CHALLENGE_KEY] = {
        "purpose": purpose,
        "challenge": _b64url(challenge),
        "at": int(timezone.now().timestamp()),
    }


def _take_challenge(request: HttpRequest, purpose: str) -> bytes:
    stored = request.session.pop(CHALLENGE_KEY, None)
    if not isinstance(stored, dict) or stored.get("purpose") != purpose:
        raise SecondFactorError("challenge_missing")
    if timezone.now().timestamp() - stored.get("at", 0) > CHALLENGE_SECONDS:
        raise SecondFactorError("challenge_missing")
    return _unb64url(stored["challenge"])


def registration_options(request: HttpRequest) -> dict[str, Any]:
    """Options for ``navigator.credentials.create`` (JSON), with the challenge kept in the session."""
    from webauthn import generate_registration_options, options_to_json
    from webauthn.helpers.structs import (
        AuthenticatorSelectionCriteria,
        PublicKeyCredentialDescriptor,
        ResidentKeyRequirement,
        UserVerificationRequirement,
    )

    user: User = request.user  # type: ignore[assignment]
    if not enrolment_allowed(request):
        raise SecondFactorError("verify_first")
    rp_id, _origin = relying_party()
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name="Kaiku",
        user_id=str(user.pk).encode(),
        user_name=user.email,
        user_display_name=user.full_name or user.email,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=_unb64url(cid))
            for cid in Passkey.objects.filter(user=user).values_list("credential_id", flat=True)
        ],
    )
    _store_challenge(request, "register", options.challenge)
    return dict(json.loads(options_to_json(options)))


@dataclass
class PasskeyResult:
    recovery_codes: list[str]
    passkey: Passkey


@transaction.atomic
def register_passkey(request: HttpRequest, credential: dict[str, Any], name: str) -> PasskeyResult:
    """Verify a new passkey's attestation and store its public key."""
    from webauthn import verify_registration_response

    user: User = request.user  # type: ignore[assignment]
    if not enrolment_allowed(request):
        raise SecondFactorError("verify_first")
    challenge = _take_challenge(request, "register")
    rp_id, origin = relying_party()
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            require_user_verification=True,
        )
    except Exception as exc:  # py_webauthn raises several kinds on a bad answer
        raise SecondFactorError("passkey_invalid") from exc
    credential_id = _b64url(verified.credential_id)
    if Passkey.objects.filter(credential_id=credential_id).exists():
        raise SecondFactorError("passkey_invalid")
    passkey = Passkey.objects.create(
        user=user,
        name=(name.strip() or str(_("Passkey")))[:80],
        credential_id=credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
    )
    _audit_user(user, "accounts.passkey_added", user, passkey=passkey.pk)
    codes = _ensure_recovery_codes(user)
    mark_verified(request, Method.PASSKEY)
    return PasskeyResult(recovery_codes=codes, passkey=passkey)


def authentication_options(request: HttpRequest) -> dict[str, Any]:
    """Options for ``navigator.credentials.get`` for this person's own passkeys."""
    from webauthn import generate_authentication_options, options_to_json
    from webauthn.helpers.structs import PublicKeyCredentialDescriptor, UserVerificationRequirement

    user: User = request.user  # type: ignore[assignment]
    ids = list(Passkey.objects.filter(user=user).values_list("credential_id", flat=True))
    if not ids:
        raise SecondFactorError("no_passkey")
    rp_id, _origin = relying_party()
    options = generate_authentication_options(
        rp_id=rp_id,
        allow_credentials=[PublicKeyCredentialDescriptor(id=_unb64url(cid)) for cid in ids],
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    _store_challenge(request, "authenticate", options.challenge)
    return dict(json.loads(options_to_json(options)))


def verify_passkey(request: HttpRequest, credential: dict[str, Any]) -> str:
    """Pass the second step with one of this person's passkeys (a failure's audit entry stays written)."""
    from webauthn import verify_authentication_response

    user: User = request.user  # type: ignore[assignment]
    challenge = _take_challenge(request, "authenticate")
    raw_id = credential.get("rawId") or credential.get("id")
    if not isinstance(raw_id, str) or len(raw_id) > 1400:
        raise SecondFactorError("passkey_invalid")
    passkey = Passkey.objects.filter(user=user, credential_id=raw_id.rstrip("=")).first()
    if passkey is None:
        _audit_user(user, "accounts.second_factor_failed", user, method=str(Method.PASSKEY))
        raise SecondFactorError("passkey_unknown")
    rp_id, origin = relying_party()
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=bytes(passkey.public_key),
            credential_current_sign_count=passkey.sign_count,
            require_user_verification=True,
        )
    except Exception as exc:  # py_webauthn raises several kinds on a bad answer
        _audit_user(user, "accounts.second_factor_failed", user, method=str(Method.PASSKEY))
        raise SecondFactorError("passkey_invalid") from exc
    # A counter that goes backwards (a cloned key) was refused above by py_webauthn.
    Passkey.objects.filter(pk=passkey.pk).update(sign_count=verified.new_sign_count, last_used_at=timezone.now())
    mark_verified(request, Method.PASSKEY)
    _audit_user(user, "accounts.second_factor_passed", user, method=str(Method.PASSKEY))
    return str(Method.PASSKEY)


# --------------------------------------------------------------------------- a lost phone


@transaction.atomic
def reset_factors(actor: User, user: User) -> dict[str, int]:
    """A national admin removes all of a person's factors; they enrol anew at their next sign-in."""
    removed = {
        "authenticator_apps": TOTPDevice.objects.filter(user=user).delete()[1].get("otp_totp.TOTPDevice", 0),
        "passkeys": Passkey.objects.filter(user=user).delete()[0],
        "recovery_codes": StaticToken.objects.filter(device__user=user).count(),
    }
    StaticDevice.objects.filter(user=user).delete()
    _audit_user(actor, "accounts.second_factor_reset", user, **removed)
    return removed


def factor_summary(user: User) -> dict[str, int]:
    return {
        "authenticator_apps": TOTPDevice.objects.filter(user=user, confirmed=True).count(),
        "passkeys": Passkey.objects.filter(user=user).count(),
        "recovery_codes": recovery_codes_left(user),
    }
