"""Who may see what: every view fetches its objects through these helpers.

Objects outside a user's scope answer 404, never 403, so that a response
never reveals that another tenant's object exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from kaiku.accounts.models import Role, RoleAssignment
from kaiku.network.models import Area, Site

if TYPE_CHECKING:
    from kaiku.accounts.models import User


@dataclass
class Scope:
    """The union of a user's roles, loaded once per request."""

    national: bool = False
    coordinator_area_ids: set[int] = field(default_factory=set)
    distributor_site_ids: set[int] = field(default_factory=set)
    venue_staff_ids: set[int] = field(default_factory=set)
    venue_admin_ids: set[int] = field(default_factory=set)

    @property
    def venue_ids(self) -> set[int]:
        return self.venue_staff_ids | self.venue_admin_ids

    @property
    def is_staff_member(self) -> bool:
        return bool(self.national or self.coordinator_area_ids or self.distributor_site_ids or self.venue_ids)

    def areas(self) -> list[Area]:
        qs = Area.objects.all() if self.national else Area.objects.filter(pk__in=self.coordinator_area_ids)
        return list(qs)

    def can_coordinate(self, area_id: int) -> bool:
        return self.national or area_id in self.coordinator_area_ids


def scope_for(user: User | object) -> Scope:
    scope = Scope()
    if not getattr(user, "is_authenticated", False):
        return scope
    cached = getattr(user, "_kaiku_scope", None)
    if cached is not None:
        return cached
    roles = RoleAssignment.objects.filter(user_id=user.pk).values_list("role", "area_id", "site_id")  # type: ignore[union-attr]
    for role, area_id, site_id in roles:
        if role == Role.NATIONAL_ADMIN:
            scope.national = True
        elif role == Role.AREA_COORDINATOR and area_id:
            scope.coordinator_area_ids.add(area_id)
        elif role == Role.DISTRIBUTOR_STAFF and site_id:
            scope.distributor_site_ids.add(site_id)
        elif role == Role.VENUE_STAFF and site_id:
            scope.venue_staff_ids.add(site_id)
        elif role == Role.VENUE_ADMIN and site_id:
            scope.venue_admin_ids.add(site_id)
    user._kaiku_scope = scope  # type: ignore[union-attr]
    return scope


def request_scope(request: HttpRequest) -> Scope:
    return scope_for(request.user)


def require_national(request: HttpRequest) -> None:
    """The national admin's pages: 403 for anyone else (they name no tenant's object)."""
    if not request_scope(request).national:
        raise PermissionDenied


def get_distributor_site(request: HttpRequest, site_id: int) -> Site:
    """A distributor site the user works at (or coordinates, or administers nationally)."""
    scope = request_scope(request)
    try:
        site = Site.objects.select_related("area").get(pk=site_id, kind=Site.Kind.DISTRIBUTOR)
    except Site.DoesNotExist:
        raise Http404 from None
    if site.pk in scope.distributor_site_ids:
        return site
    raise Http404


def get_venue(request: HttpRequest, venue_id: int, *, admin: bool = False) -> Site:
    """A venue the user staffs; with admin=True, only one the user administers."""
    scope = request_scope(request)
    allowed = scope.venue_admin_ids if admin else scope.venue_ids
    if venue_id not in allowed:
        raise Http404
    try:
        return Site.objects.select_related("area").get(pk=venue_id, kind=Site.Kind.VENUE)
    except Site.DoesNotExist:
        raise Http404 from None


def staffed_venues(user: Any) -> list[Site]:
    """The venues a person staffs or administers, by name."""
    venue_ids = scope_for(user).venue_ids
    if not venue_ids:
        return []
    venues = Site.objects.select_related("area").filter(pk__in=venue_ids, kind=Site.Kind.VENUE)
    return sorted(venues, key=lambda site: (site.name, site.pk))


def get_area(request: HttpRequest, area_id: int) -> Area:
    scope = request_scope(request)
    if not scope.can_coordinate(area_id):
        raise Http404
    try:
        return Area.objects.get(pk=area_id)
    except Area.DoesNotExist:
        raise Http404 from None
