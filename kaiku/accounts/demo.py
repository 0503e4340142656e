"""One demo login per role (password: kaiku.web.demo.DEMO_PASSWORD).

The logins whose role needs a second factor share one authenticator-app key,
DEMO_TOTP_KEY, printed by `manage.py demo_logins`; `manage.py demo_totp` prints
its current code. Demo data is for development only, so the key is public.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from kaiku.accounts.models import CoordinatorSide, Role, RoleAssignment, User
from kaiku.network.models import Site

# The demo logins' authenticator-app key (hex, as django-otp stores it): public, like DEMO_PASSWORD.
DEMO_TOTP_KEY = "98142348b2a1444c6ab73e96e4375ba96fce44a6"
SECOND_FACTOR_ROLES = {Role.NATIONAL_ADMIN, Role.AREA_COORDINATOR, Role.DISTRIBUTOR_STAFF}


def demo_totp_code() -> str:
    """The code an authenticator app with DEMO_TOTP_KEY shows now."""
    from django_otp.oath import totp

    return f"{totp(bytes.fromhex(DEMO_TOTP_KEY)):06d}"


def _site(ctx: Any, name: str) -> Site:
    return next(s for s in [*ctx.distributors, *ctx.venues] if s.name == name)


def populate(ctx: Any) -> None:
    from kaiku.web.demo import DEMO_PASSWORD

    tampere = ctx.areas["tampere"]
    desk = _site(ctx, "Aikuissosiaalityö, Tampere")
    theatre = _site(ctx, "Tampereen Teatteri")
    # key, e-mail, name, role, scope, side, description, where
    people = [
        (
            "national_admin",
            "admin@demo.kaiku.fi",
            "Kaisa Kansallinen",
            Role.NATIONAL_ADMIN,
            {},
            "",
            "National admin",
            [reverse("network:area_list"), reverse("network:settings"), reverse("audit:log"), "/django-admin/"],
        ),
        (
            "coordinator_culture",
            "kulttuuri@demo.kaiku.fi",
            "Kalle Kulttuuri",
            Role.AREA_COORDINATOR,
            {"area": tampere},
            CoordinatorSide.CULTURE,
            "Area coordinator, culture side (Tampere)",
            [reverse("network:area_detail", args=[tampere.pk]), reverse("audit:log")],
        ),
        (
            "coordinator_social",
            "sosiaali@demo.kaiku.fi",
            "Sanna Sosiaali",
            Role.AREA_COORDINATOR,
            {"area": tampere},
            CoordinatorSide.SOCIAL,
            "Area coordinator, social side (Tampere)",
            [reverse("network:area_detail", args=[tampere.pk]), reverse("audit:log")],
        ),
        (
            "distributor",
            "jakaja@demo.kaiku.fi",
            "Jaana Jakaja",
            Role.DISTRIBUTOR_STAFF,
            {"site": desk},
            "",
            f"Distributor staff ({desk.name})",
            [reverse("cards:site_cards", args=[desk.pk])],
        ),
        (
            "venue_staff",
            "ovi@demo.kaiku.fi",
            "Otto Ovi",
            Role.VENUE_STAFF,
            {"site": theatre},
            "",
            f"Venue staff ({theatre.name})",
            [reverse("visits:venue", args=[theatre.pk])],
        ),
        (
            "venue_admin",
            "kohde@demo.kaiku.fi",
            "Veera Vastaava",
            Role.VENUE_ADMIN,
            {"site": theatre},
            "",
            f"Venue admin ({theatre.name})",
            [reverse("visits:venue", args=[theatre.pk])],
        ),
    ]
    for key, email, name, role, scope, side, description, where in people:
        national = role == Role.NATIONAL_ADMIN
        user = User.objects.create_user(email, DEMO_PASSWORD, full_name=name, is_staff=national, is_superuser=national)
        RoleAssignment.objects.create(user=user, role=role, side=side, **scope)
        if role in SECOND_FACTOR_ROLES:
            TOTPDevice.objects.create(user=user, name="Demo authenticator", key=DEMO_TOTP_KEY, confirmed=True)
        ctx.users[key] = user
        ctx.logins.append((description, email, " ".join(where)))
    ctx.users["coordinator"] = ctx.users["coordinator_culture"]
