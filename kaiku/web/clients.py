"""Which address a request comes from: the one function every guessing limit uses.

Behind our reverse proxies REMOTE_ADDR is the nearest proxy, and the client's address
is in X-Forwarded-For, which each proxy appends to. Only the entries our own proxies
appended can be trusted: anything further left was sent by the client and may be
invented. With ``TRUSTED_PROXY_COUNT = n`` the client is the n-th entry from the right.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

UNKNOWN = "unknown"
# A header longer than this is not from a proxy chain of ours; its tail is still read.
MAX_FORWARDED_LENGTH = 2000


def _address(text: str) -> str | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # 203.0.113.5:443
        text = text.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str:
    """The client's IP address as our trusted proxies saw it, or "unknown"."""
    remote = _address(str(request.META.get("REMOTE_ADDR") or ""))
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote or UNKNOWN
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR") or "")[-MAX_FORWARDED_LENGTH:]
    hops = [hop for hop in forwarded.split(",") if hop.strip()]
    if len(hops) < count:
        # Not through all our proxies (a health check from the proxy host itself):
        # the nearest address we know is the best we have.
        return (_address(hops[0]) if hops else None) or remote or UNKNOWN
    return _address(hops[-count]) or remote or UNKNOWN
