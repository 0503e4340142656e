"""Demo door device: a token for the demo venue, so /door/device/ can be tried without a sign-in.

Card codes are not made here: they are signed on demand with the key that
`manage.py ensure_signing_key` creates (make run calls it after demo_data).
"""

from __future__ import annotations

from typing import Any

from kaiku.door.models import DeviceToken
from kaiku.web.tokens import token_hash

# Demo only: a known token, so the demo instructions can name it. Real tokens are random.
DEMO_DEVICE_TOKEN = "kkd_demo-door-device-token"  # noqa: S105


def populate(ctx: Any) -> None:
    staff = ctx.users.get("venue_staff")
    if staff is None:
        return
    venue = staff.roles.get().site
    DeviceToken.objects.create(
        venue=venue,
        label="Lipputiskin puhelin",
        token_hash=token_hash(DEMO_DEVICE_TOKEN),
        hint=DEMO_DEVICE_TOKEN[:8],
        created_by=ctx.users.get("venue_admin"),
    )
    ctx.logins.append(("Door device token (paste it on /door/device/)", DEMO_DEVICE_TOKEN, venue.name))
