"""Secrets handed out once (API keys, device tokens, invitations, portal links and sessions).

Only their hash is stored. Each is 256 random bits, so a plain SHA-256 is enough; a slow
password hash would only slow every request that presents one.
"""

from __future__ import annotations

import hashlib


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
