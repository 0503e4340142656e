from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from time_machine import escape_hatch

from kaiku.sso.models import IdentityProvider
from kaiku.sso.secretbox import seal
from kaiku.sso.services import redirect_uri
from kaiku.testing.oidc_provider import TestProvider, start


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[TestProvider]:
    """One real OpenID provider (django-oauth-toolkit) per test session, in its own process."""
    provider = start()
    yield provider
    provider.stop()


@pytest.fixture
def real_clock(_clock):  # type: ignore[no-untyped-def]
    """The provider stamps its tokens with the real time, so Kaiku checks them on that clock."""
    if _clock is not None:
        _clock.move_to(escape_hatch.time.time())


@pytest.fixture
def make_idp(oidc_provider: TestProvider, db) -> Callable[..., IdentityProvider]:  # type: ignore[no-untyped-def]
    def make(domains: str = "example.org", quirk: str = "", callback: str = "", **fields: object) -> IdentityProvider:
        client_id, secret = oidc_provider.register_client(callback or redirect_uri(), quirk)
        return IdentityProvider.objects.create(
            name=fields.pop("name", "Test municipality"),
            email_domains=domains,
            issuer=oidc_provider.issuer,
            client_id=client_id,
            client_secret_sealed=seal(secret),
            **fields,
        )

    return make
