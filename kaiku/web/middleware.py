"""Response headers decided once for every page, not view by view (docs/security.md)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

# Pages that open the camera (the door's scanner); everything else may not.
CAMERA_PAGES = {"door:page", "door:device_page"}
POLICY = "accelerometer=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()"


class PrivacyHeadersMiddleware:
    """Permissions-Policy on every response, and ``Cache-Control: no-store`` on every
    page Django renders, unless the view chose its own caching.

    Nearly every page of Kaiku shows a card, a holder's details or a staff member's
    scope, so the rule is "never stored" rather than a list of pages to remember;
    a page that may be kept (none today) sets Cache-Control itself. Static files are
    served by WhiteNoise before this middleware and keep their own caching.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        camera = "camera=(self)" if match is not None and match.view_name in CAMERA_PAGES else "camera=()"
        response.headers.setdefault("Permissions-Policy", f"{camera}, {POLICY}")
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
            response["Cache-Control"] += ", no-store" if "no-store" not in response["Cache-Control"] else ""
        return response
