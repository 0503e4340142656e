"""gunicorn's access log without secrets or personal data (gunicorn.conf.py uses it).

A request line carries sign-in links, invitation and feedback tokens in the path, and
card numbers or e-mail addresses in query strings (a card search). The log keeps the
method, a redacted path, the status, the size and the time; never the query string,
and never the referrer's path or query.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from gunicorn.glogging import Logger

# Paths whose next segment is a secret, whatever it looks like.
TOKEN_ROUTES = ("/portal/sign-in/link/", "/portal/feedback/", "/partners/invite/")
# A segment kept as it is: a number (an id) or a word without digits or capitals (a route).
PLAIN_SEGMENT = re.compile(r"^(\d{1,12}|[a-z_.-]{1,40})$")
REDACTED = "…"
FORMAT = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'


def redact_path(path: str) -> str:
    if path.startswith("/static/"):
        return path[:200]  # public file names
    for route in TOKEN_ROUTES:
        if path.startswith(route):
            return route + REDACTED + "/"
    segments = path.split("/")
    return "/".join(s if not s or PLAIN_SEGMENT.match(s) else REDACTED for s in segments)[:200]


class RedactingLogger(Logger):
    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        path = redact_path(str(environ.get("PATH_INFO") or "/"))
        referer = str(environ.get("HTTP_REFERER") or "")
        # Only the fields a format may name safely; request and environ atoms
        # (%({header}i)s, %({var}e)s) are dropped because they hold cookies and tokens.
        return {
            "h": atoms["h"],
            "l": "-",
            "u": "-",
            "t": atoms["t"],
            "r": f"{atoms['m']} {path} {atoms['H']}",
            "s": atoms["s"],
            "m": atoms["m"],
            "U": path,
            "q": "",
            "H": atoms["H"],
            "b": atoms["b"],
            "B": atoms["B"],
            "f": urlsplit(referer).netloc or "-" if referer else "-",
            "a": atoms["a"],
            "T": atoms["T"],
            "D": atoms["D"],
            "M": atoms["M"],
            "L": atoms["L"],
            "p": atoms["p"],
        }
