"""The signed-in holder of a request: a long-lived device cookie, separate from staff sessions."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from kaiku.cards.models import Card
from kaiku.portal.models import HolderDevice
from kaiku.portal.services import device_for_token

COOKIE = "kaiku_holder"
# Browsers cap cookie lifetimes at 400 days; the device stays signed in that long
# unless the holder signs out or the card stops being active.
COOKIE_MAX_AGE = 400 * 24 * 60 * 60
TEXT_SIZE_COOKIE = "kaiku_text"
TEXT_SIZES = ("100", "125", "150")


def current_device(request: HttpRequest) -> HolderDevice | None:
    if not hasattr(request, "_kaiku_holder"):
        request._kaiku_holder = device_for_token(request.COOKIES.get(COOKIE, ""))  # type: ignore[attr-defined]
    return request._kaiku_holder  # type: ignore[attr-defined]


def current_card(request: HttpRequest) -> Card | None:
    device = current_device(request)
    return device.card if device else None


def set_device_cookie(response: HttpResponse, token: str) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
        path="/",
    )


def clear_device_cookie(response: HttpResponse) -> None:
    response.delete_cookie(COOKIE, path="/", samesite="Lax")


def safe_next(request: HttpRequest, default: str = "portal:home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse(default)


def holder_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Pass the signed-in holder's card to the view; otherwise go to the portal's sign-in."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        card = current_card(request)
        if card is None:
            return redirect(f"{reverse('portal:sign_in')}?{urlencode({'next': request.path})}")
        return view(request, card, *args, **kwargs)

    return wrapper


def text_size(request: HttpRequest) -> str:
    value = request.COOKIES.get(TEXT_SIZE_COOKIE, "100")
    return value if value in TEXT_SIZES else "100"
