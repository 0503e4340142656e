from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from kaiku.accounts.scopes import request_scope
from kaiku.network.models import Area, Site


def home(request: HttpRequest) -> HttpResponse:
    """Public front page; signed-in staff see links to their own scopes."""
    scope = request_scope(request)
    context: dict[str, object] = {"scope": scope}
    if scope.is_staff_member:
        ids = scope.distributor_site_ids | scope.venue_ids
        context["my_sites"] = Site.objects.filter(pk__in=ids).select_related("area").order_by("kind", "name")
        context["my_areas"] = scope.areas()
    else:
        context["areas"] = Area.objects.in_network().order_by("name")
    return render(request, "web/home.html", context)


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness for load balancers and the benchmark's trivial baseline."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True})
