"""A real OpenID Connect provider for the single sign-on tests, run in a second process.

It is django-oauth-toolkit with OIDC enabled, an RSA signing key made at start, PKCE
required, a sign-in form that accepts any e-mail address (a checkbox says whether the
address counts as verified), and ``/test/clients/`` to register clients. A client whose
quirk is 'wrong-audience', 'expired' or 'wrong-issuer' receives ID tokens wrong in that way.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests


@dataclass
class TestProvider:
    issuer: str
    process: subprocess.Popen[str]

    def register_client(self, redirect_uri: str, quirk: str = "") -> tuple[str, str]:
        client_id, client_secret = f"kaiku-{secrets.token_hex(6)}", secrets.token_urlsafe(24)
        body = {"client_id": client_id, "client_secret": client_secret, "redirect_uri": redirect_uri, "quirk": quirk}
        requests.post(f"{self.issuer}/test/clients/", json=body, timeout=10).raise_for_status()
        return client_id, client_secret

    def sign_in(self, authorize_url: str, email: str, *, verified: bool = True, person: str = "") -> requests.Response:
        """Sign in at the provider as `email` and authorize: the provider's last answer (a redirect back, or an error)."""
        assert authorize_url.startswith(self.issuer + "/"), authorize_url
        parts = urlsplit(authorize_url)
        session = requests.Session()
        data = {"email": email, "username": person, "next": f"{parts.path}?{parts.query}"}
        if verified:
            data["verified"] = "1"
        response = session.post(f"{self.issuer}/login/", data=data, allow_redirects=False, timeout=10)
        while response.is_redirect and response.headers["Location"].startswith(("/", self.issuer)):
            response = session.get(
                requests.compat.urljoin(self.issuer, response.headers["Location"]), allow_redirects=False, timeout=10
            )
        return response

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def start() -> TestProvider:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    process = subprocess.Popen(
        [sys.executable, "-m", "kaiku.testing.oidc_provider.server"], stdout=subprocess.PIPE, text=True, env=env
    )
    assert process.stdout is not None
    issuer = process.stdout.readline().strip()
    if not issuer.startswith("http://127.0.0.1:"):
        process.kill()
        raise RuntimeError("The test OpenID provider did not start")
    return TestProvider(issuer, process)
