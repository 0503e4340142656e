from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kaiku.accounts.scopes import request_scope
from kaiku.audit.models import AuditEntry


@login_required
def log(request: HttpRequest) -> HttpResponse:
    """The national admin reads everything; coordinators their own areas' entries."""
    scope = request_scope(request)
    if scope.national:
        entries = AuditEntry.objects.all()
    elif scope.coordinator_area_ids:
        entries = AuditEntry.objects.filter(area_id__in=scope.coordinator_area_ids)
    else:
        raise PermissionDenied
    page = Paginator(entries.select_related("area", "actor"), 50).get_page(request.GET.get("page"))
    return render(request, "audit/log.html", {"page": page, "show_cards": scope.national})
