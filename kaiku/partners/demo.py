"""Demo partner API: the city's agency sells for three venues with a key whose secret is known."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from kaiku.partners import services
from kaiku.partners.models import ApiKey
from kaiku.web.tokens import token_hash

# A fixed demo key, so that the API examples in docs/api.md can be tried against `make run`.
DEMO_API_KEY = "kk_demo0001_kaikukortti-demo-key-for-the-partner-api"


def populate(ctx: Any) -> None:
    coordinator = ctx.users.get("coordinator")
    agency = ctx.agencies[0] if ctx.agencies else None
    if agency is not None:
        for venue in ctx.venues[:3]:
            services.grant_agency(venue, agency, ctx.users.get("venue_admin"))
        ApiKey.objects.create(
            site=agency,
            label="Demo ticketing",
            prefix="demo0001",
            key_hash=token_hash(DEMO_API_KEY),
            scopes=["check", "record", "read"],
            created_by=coordinator,
        )
        ctx.logins.append((f"Partner API key ({agency.name})", DEMO_API_KEY, reverse("api-docs")))
