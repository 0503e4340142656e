"""Print the demo logins (one per role), where each one works, and a card to try."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.urls import reverse
from django.utils import timezone, translation

from kaiku.accounts.models import Role, RoleAssignment
from kaiku.cards.models import Card
from kaiku.web.demo import DEMO_PASSWORD, load_logins, refuse_outside_development

DEMO_DOMAIN = "@demo.kaiku.fi"
ROLE_ORDER = [Role.NATIONAL_ADMIN, Role.AREA_COORDINATOR, Role.DISTRIBUTOR_STAFF, Role.VENUE_STAFF, Role.VENUE_ADMIN]


def pages_for(assignment: RoleAssignment) -> list[str]:
    """The pages where a role starts its work."""
    role = assignment.role
    if role == Role.NATIONAL_ADMIN:
        return [reverse("network:area_list"), reverse("network:settings"), reverse("audit:log"), "/django-admin/"]
    if role == Role.AREA_COORDINATOR and assignment.area_id:
        return [reverse("network:area_detail", args=[assignment.area_id]), reverse("audit:log")]
    if role == Role.DISTRIBUTOR_STAFF and assignment.site_id:
        return [reverse("cards:site_cards", args=[assignment.site_id])]
    if role in (Role.VENUE_STAFF, Role.VENUE_ADMIN) and assignment.site_id:
        return [reverse("visits:venue", args=[assignment.site_id])]
    return []


def describe(assignment: RoleAssignment) -> str:
    label = str(assignment.get_role_display())
    if assignment.side:
        label += f", {assignment.get_side_display()}"
    scope = assignment.site or assignment.area
    return f"{label}: {scope}" if scope else label


class Command(BaseCommand):
    help = "Print the demo logins, the pages where each one works, and card numbers to try."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")

    def handle(self, *args: Any, **options: Any) -> None:
        refuse_outside_development()
        with translation.override("en"):
            self._print(options["base_url"].rstrip("/"))

    def _print(self, base: str) -> None:
        assignments = sorted(
            RoleAssignment.objects.filter(user__email__endswith=DEMO_DOMAIN).select_related("user", "area", "site"),
            key=lambda a: (ROLE_ORDER.index(Role(a.role)) if a.role in Role.values else 99, a.user.email),
        )
        if not assignments:
            self.stdout.write("No demo logins: load them with `manage.py demo_data`.")
            return
        self.stdout.write(self.style.SUCCESS(f"Demo logins at {base}/accounts/login/ (password: {DEMO_PASSWORD})"))
        self._second_factor()
        width = max(len(a.user.email) for a in assignments)
        shown: set[tuple[str, str]] = set()
        for assignment in assignments:
            self.stdout.write(f"  {assignment.user.email:<{width}}  {describe(assignment)}")
            for page in pages_for(assignment):
                self.stdout.write(f"  {'':<{width}}    {base}{page}")
                shown.add((assignment.user.email, page))
        others = [
            (description, login, where)
            for description, login, where in load_logins()
            if not all((login, page) in shown for page in where.split())
        ]
        if others:
            self.stdout.write(self.style.SUCCESS("More demo access:"))
            for description, login, where in others:
                pages = " ".join(f"{base}{p}" if p.startswith("/") else p for p in where.split()) if where else ""
                self.stdout.write(f"  {description}: {login}" + (f"  ({pages})" if pages else ""))
        self._cards_to_try()

    def _second_factor(self) -> None:
        from base64 import b32encode

        from kaiku.accounts.demo import DEMO_TOTP_KEY

        secret = b32encode(bytes.fromhex(DEMO_TOTP_KEY)).decode()
        self.stdout.write(
            "  Second factor (national admin, area coordinators, distributor staff): add the key "
            f"{secret} to an authenticator app, or run `manage.py demo_totp` for the current code."
        )

    def _cards_to_try(self) -> None:
        today = timezone.localdate()
        venue_staff = (
            RoleAssignment.objects.filter(user__email__endswith=DEMO_DOMAIN, role=Role.VENUE_STAFF)
            .select_related("site")
            .first()
        )
        distributor = RoleAssignment.objects.filter(
            user__email__endswith=DEMO_DOMAIN, role=Role.DISTRIBUTOR_STAFF
        ).first()
        if venue_staff is not None and venue_staff.site is not None:
            valid = (
                Card.objects.valid_on(today)
                .filter(kind=Card.Kind.PERSONAL, children__gt=0, site__area_id=venue_staff.site.area_id)
                .order_by("pk")
                .first()
            )
            if valid is not None:
                self.stdout.write(f"Try a valid card at {venue_staff.site}: {valid.display_number}")
        if distributor is not None and distributor.site_id is not None:
            stock = Card.objects.filter(site_id=distributor.site_id, status=Card.Status.UNREGISTERED).order_by("pk")
            first = stock.first()
            if first is not None:
                self.stdout.write(f"A pre-printed card to register: {first.display_number}")
