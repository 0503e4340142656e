"""Test helpers for the staff second factor (kaiku.accounts.twofactor).

Tests sign staff in with ``client.force_login`` (and ``client.login``): the suite's
autouse fixture marks those sessions as having passed the second factor, as a real
sign-in would after the code, so that tests of other pages need not repeat it. The
production rule is untouched: only the test client's own login helper is wrapped.
``half_signed_in`` gives the session of a person who passed the password only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client

from kaiku.accounts import twofactor

_original_login: Callable[..., None] = Client._login


def _login_with_second_factor(self: Client, user: Any, backend: str | None = None) -> None:
    _original_login(self, user, backend)
    session = self.session
    session[twofactor.SESSION_KEY] = {"user": user.pk, "method": "test"}
    session.save()


def install(monkeypatch: Any) -> None:
    monkeypatch.setattr(Client, "_login", _login_with_second_factor)


def half_signed_in(user: Any, client: Client | None = None) -> Client:
    """A client whose session passed the password but not the second factor."""
    client = client or Client()
    _original_login(client, user, "django.contrib.auth.backends.ModelBackend")
    return client
