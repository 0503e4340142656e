from __future__ import annotations

from pathlib import PurePosixPath

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from kaiku.accounts.scopes import request_scope
from kaiku.network.models import Area, Site
from kaiku.together.services import unread_bulletins


def home(request: HttpRequest) -> HttpResponse:
    """Public front page; signed-in staff see links to their own scopes."""
    scope = request_scope(request)
    context: dict[str, object] = {"scope": scope}
    if scope.is_staff_member:
        ids = scope.distributor_site_ids | scope.venue_ids
        context["my_sites"] = Site.objects.filter(pk__in=ids).select_related("area").order_by("kind", "name")
        context["my_areas"] = scope.areas()
        context["bulletins"] = unread_bulletins(request.user)
    else:
        context["areas"] = Area.objects.in_network().order_by("name")
    return render(request, "web/home.html", context)


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness for load balancers and the benchmark's trivial baseline."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True})


# Uploaded files served by the app when the reverse proxy does not (docs/deploy.md, "Uploaded files").
MEDIA_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}


@require_safe
def media(request: HttpRequest, path: str) -> FileResponse:
    """An uploaded picture from the default storage, with headers that keep it a plain picture.

    Only pictures are served (never HTML or SVG, which a browser would run), the type is
    fixed by the name, and a path that leaves the storage is not found.
    """
    content_type = MEDIA_TYPES.get(PurePosixPath(path).suffix.lower())
    if content_type is None or ".." in PurePosixPath(path).parts or path.startswith("/"):
        raise Http404
    try:
        if not default_storage.exists(path):
            raise Http404
        handle = default_storage.open(path, "rb")
    except (SuspiciousFileOperation, OSError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "public, max-age=86400"
    return response
