"""The Ed25519 key that signs card codes, and the public keys that verify them.

The private key comes from ``settings.CARD_SIGNING_KEY`` (the PEM itself) or the file
``settings.CARD_SIGNING_KEY_FILE``; ``manage.py ensure_signing_key`` creates the file.
Every public key ever used is kept in the database by its key id, so a key can be
rotated without invalidating cards printed with the old one: devices receive all of
them and pick one by the key id inside each code.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class SigningKeyMissing(ImproperlyConfigured):
    pass


@dataclass(frozen=True)
class SigningKey:
    key_id: int
    private: Ed25519PrivateKey
    public_raw: bytes


_cache: dict[str, SigningKey] = {}


def key_id_for(public_raw: bytes) -> int:
    """Two bytes of the public key's SHA-256: small enough for the code, stable across restarts."""
    return int.from_bytes(hashlib.sha256(public_raw).digest()[:2], "big")


def public_raw(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    pub = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def generate_pem() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _load_pem() -> bytes:
    if settings.CARD_SIGNING_KEY:
        return settings.CARD_SIGNING_KEY.encode()
    path = Path(settings.CARD_SIGNING_KEY_FILE)
    if getattr(settings, "CARD_SIGNING_KEY_AUTOCREATE", False):
        # Only the test settings turn this on: production keys are made by a person.
        ensure_key_file(path)
    if not path.exists():
        raise SigningKeyMissing(
            f"No card signing key: set CARD_SIGNING_KEY or run manage.py ensure_signing_key ({path})"
        )
    return path.read_bytes()


def current() -> SigningKey:
    """The key that signs new codes; its public half is registered for verification."""
    pem = _load_pem()
    cached = _cache.get("current")
    if cached is not None and _cache.get("pem") == pem:  # type: ignore[comparison-overlap]
        return cached
    private = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(private, Ed25519PrivateKey):
        raise ImproperlyConfigured("The card signing key must be an Ed25519 key")
    raw = public_raw(private)
    key = SigningKey(key_id_for(raw), private, raw)
    register_public_key(raw)
    _cache.clear()
    _cache["current"] = key
    _cache["pem"] = pem  # type: ignore[assignment]
    return key


def register_public_key(raw: bytes) -> None:
    from kaiku.door.models import PublicKey

    PublicKey.objects.get_or_create(key_id=key_id_for(raw), defaults={"public_key": base64.b64encode(raw).decode()})


def public_keys() -> dict[int, bytes]:
    """Every known public key by key id (the current one included)."""
    from kaiku.door.models import PublicKey

    known = {k.key_id: base64.b64decode(k.public_key) for k in PublicKey.objects.filter(retired_at__isnull=True)}
    try:
        key = current()
    except SigningKeyMissing:
        return known
    known[key.key_id] = key.public_raw
    return known


def ensure_key_file(path: Path) -> bool:
    """Create the key file (mode 600) when missing; True when a key was created."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as handle:
        handle.write(generate_pem())
    return True


def clear_cache() -> None:
    _cache.clear()
