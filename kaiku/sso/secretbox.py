"""Client secrets encrypted at rest.

A provider's client secret is needed in clear only when Kaiku exchanges a code for
tokens, so it is stored encrypted (Fernet: AES-128-CBC with an HMAC) under a key
derived from ``SSO_SECRET_KEY``, which defaults to ``SECRET_KEY``. A database dump
alone then does not let anyone impersonate Kaiku at a municipality's identity
provider. Changing the key makes stored secrets unreadable: re-enter them.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _fernet() -> Fernet:
    material = getattr(settings, "SSO_SECRET_KEY", "") or settings.SECRET_KEY
    digest = hashlib.sha256(b"kaiku.sso.client-secret\0" + material.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode("ascii")


def unseal(sealed: str) -> str:
    """The clear secret, or '' when it was sealed under another key."""
    try:
        return _fernet().decrypt(sealed.encode("ascii")).decode()
    except (InvalidToken, ValueError):
        return ""
