"""Deploy checks (``manage.py check --deploy``): demo secrets must never reach production."""

from __future__ import annotations

from typing import Any

from django.core.checks import Error, Tags, register
from django.db import DatabaseError


@register(Tags.security, deploy=True)
def no_demo_secrets(app_configs: Any, **kwargs: Any) -> list[Error]:
    from kaiku.accounts.models import User
    from kaiku.door.demo import DEMO_DEVICE_TOKEN
    from kaiku.door.models import DeviceToken
    from kaiku.partners.demo import DEMO_API_KEY
    from kaiku.partners.models import ApiKey
    from kaiku.web.demo import DEMO_DOMAIN
    from kaiku.web.tokens import token_hash

    errors = []
    try:
        if User.objects.filter(email__iendswith=DEMO_DOMAIN).exists():
            errors.append(
                Error(
                    "Demo logins exist: their password is published.",
                    hint=f"Delete the users whose address ends with {DEMO_DOMAIN}, or use a fresh database.",
                    id="kaiku.E001",
                )
            )
        if ApiKey.objects.filter(key_hash=token_hash(DEMO_API_KEY)).exists():
            errors.append(Error("The demo partner API key exists.", hint="Delete or revoke it.", id="kaiku.E002"))
        if DeviceToken.objects.filter(token_hash=token_hash(DEMO_DEVICE_TOKEN)).exists():
            errors.append(Error("The demo door device token exists.", hint="Delete it.", id="kaiku.E003"))
    except DatabaseError:
        # Not migrated yet: nothing can exist. (`migrate` runs the checks first.)
        return []
    return errors
