"""Areas for coordinators and the national admin; national settings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from kaiku.accounts.scopes import get_area, request_scope, require_national
from kaiku.audit import services as audit
from kaiku.cards.models import Card
from kaiku.network.forms import NationalSettingsForm
from kaiku.network.models import Area, NationalSettings, Site
from kaiku.privacy.models import ReadEntry
from kaiku.privacy.services import record_read
from kaiku.privacy.smallcounts import show_number
from kaiku.visits.models import Use


@login_required
def area_list(request: HttpRequest) -> HttpResponse:
    scope = request_scope(request)
    if not (scope.national or scope.coordinator_area_ids):
        raise PermissionDenied
    areas = Area.objects.all() if scope.national else Area.objects.filter(pk__in=scope.coordinator_area_ids)
    areas = areas.annotate(
        distributor_count=Count("sites", filter=Q(sites__kind=Site.Kind.DISTRIBUTOR), distinct=True),
        venue_count=Count("sites", filter=Q(sites__kind=Site.Kind.VENUE), distinct=True),
        municipality_count=Count("municipalities", distinct=True),
    )
    return render(request, "network/area_list.html", {"areas": areas})


@login_required
def area_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Counts, never individual cards: coordinators see the area's numbers only.

    Outside the national view a count of 1 to 4 is shown as ``<5``, as on the dashboards;
    the national admin's unsuppressed view is logged as a read.
    """
    area = get_area(request, pk)
    if request_scope(request).national:
        threshold = None
        record_read(request, ReadEntry.What.NATIONAL_VIEW, object_id=area.pk, detail="area page")
    else:
        threshold = NationalSettings.get().small_count_threshold
    sites = (
        Site.objects.filter(area=area)
        .select_related("municipality")
        .annotate(
            cards_issued=Count("cards", filter=~Q(cards__status=Card.Status.UNREGISTERED), distinct=True),
        )
    )
    for site in sites:
        site.cards_shown = show_number(site.cards_issued, threshold)  # type: ignore[attr-defined]
    cards = Card.objects.filter(site__area=area)
    counts = cards.aggregate(
        registered=Count("pk", filter=~Q(status=Card.Status.UNREGISTERED)),
        active=Count("pk", filter=Q(status=Card.Status.ACTIVE)),
        community=Count("pk", filter=Q(kind=Card.Kind.COMMUNITY) & ~Q(status=Card.Status.UNREGISTERED)),
    )
    uses = Use.objects.filter(venue__area=area).aggregate(
        accepted=Count("pk", filter=Q(outcome=Use.Outcome.ACCEPTED, voided_at__isnull=True)),
        refused=Count("pk", filter=Q(outcome=Use.Outcome.REFUSED)),
    )
    return render(
        request,
        "network/area_detail.html",
        {
            "area": area,
            "distributors": [s for s in sites if s.kind == Site.Kind.DISTRIBUTOR],
            "venues": [s for s in sites if s.kind == Site.Kind.VENUE],
            "agencies": [s for s in sites if s.kind == Site.Kind.AGENCY],
            "municipalities": area.municipalities.all(),
            "counts": {key: show_number(n, threshold) for key, n in counts.items()},
            "uses": {key: show_number(n, threshold) for key, n in uses.items()},
        },
    )


@login_required
def national_settings(request: HttpRequest) -> HttpResponse:
    require_national(request)
    instance = NationalSettings.get()
    before = audit.snapshot(instance, NationalSettingsForm.Meta.fields)
    form = NationalSettingsForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        changes = audit.diff(before, audit.snapshot(saved, NationalSettingsForm.Meta.fields))
        audit.record(request.user, "network.settings_changed", saved, changes=changes)
        messages.success(request, _("National settings saved."))
        return redirect("network:settings")
    return render(request, "network/settings.html", {"form": form})
