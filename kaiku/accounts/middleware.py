"""No page for a half-signed-in session: the password passed, the second factor not yet."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.utils.translation import gettext as _

from kaiku.accounts import twofactor

# Pages such a session may still open: signing out, the language, the health check.
OPEN_URL_NAMES = {"accounts:login", "accounts:logout", "set_language", "javascript-catalog", "web:healthz"}

View = TypeVar("View", bound=Callable[..., Any])


def half_signed_in_allowed(view: View) -> View:
    """Mark a view of the second step itself (verify, enrol) as open to a half-signed-in session."""
    view.half_signed_in_allowed = True  # type: ignore[attr-defined]
    return view


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        if getattr(view_func, "half_signed_in_allowed", False):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in OPEN_URL_NAMES:
            return None
        if not twofactor.needs_second_step(request):
            return None
        if request.path.startswith("/api/"):
            message = _("Confirm your sign-in with your second factor first.")
            return JsonResponse({"detail": message, "code": "second_factor_required"}, status=403)
        next_url = request.get_full_path() if request.method == "GET" else "/"
        return HttpResponseRedirect(twofactor.second_step_url(request, next_url))
