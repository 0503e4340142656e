"""The door pages: the scanner, device tokens for the venue admin, printables for distributors."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.hashers import check_password
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kaiku.accounts.scopes import get_distributor_site, get_venue, request_scope
from kaiku.cards.models import Card
from kaiku.cards.views import get_card
from kaiku.door import printables, services
from kaiku.door.forms import DeviceForm, SheetForm, SlipForm
from kaiku.door.models import DeviceToken
from kaiku.network.models import Sector, Site
from kaiku.privacy.models import ReadEntry
from kaiku.privacy.services import record_read
from kaiku.visits.services import UNDO_WINDOW

# What the service worker and the page keep for offline use.
OFFLINE_ASSETS = (
    "css/kaiku.css",
    "door/door.css",
    "door/codes.js",
    "door/door.js",
    "vendor/zxing/reader.js",
    "vendor/zxing/zxing_reader.wasm",
)


def _pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _door_text() -> dict[str, str]:
    return {
        "online": _("Online"),
        "offline": _("Offline: uses are saved on this device"),
        "queue_empty": _("nothing waiting to sync"),
        "queued_one": _("1 use waiting to sync"),
        "queued_many": _("{n} uses waiting to sync"),
        "valid": _("Valid"),
        "not_valid": _("Not valid"),
        "unchecked": _("Check later"),
        "kind_personal": _("Personal card"),
        "kind_community": _("Community card"),
        "kind_stock": _("Card from card stock"),
        "group_max": _("none; up to {n} clients under 16"),
        "recorded": _("Use recorded."),
        "recorded_offline": _("Use saved on this device. It will be sent when the connection returns."),
        "refused_now": _("Not recorded:"),
        "undone": _("The use was undone."),
        "undo_too_late": _("A use can be undone only within two minutes."),
        "undo_failed": _("The use could not be undone. Try again when online."),
        "synced_ok": _("Synced: accepted."),
        "synced_refused": _("Synced: refused."),
        "synced_forced": _("Synced, but the register would have refused it:"),
        "renew_at": _("The card can be renewed at {site}."),
        "synced_held": _("Synced: waits for the venue admin's review, because its time is too old."),
        "no_camera": _("The camera cannot be used. Type the card number instead."),
        "no_code_in_photo": _("No card code was found in the photo."),
        "signed_out": _("You have been signed out. Sign in again to record uses."),
        "bad_token": _("This device token is not valid."),
        "lists_age": _("Card lists updated {age}"),
        "lists_never": _("No card lists on this device yet: connect it to the network."),
        "checked_offline": _("Checked on this device without a connection, against the card lists updated {age}."),
        "checked_offline_never": _("Checked on this device without a connection; it has no card lists yet."),
        "unknown_offline": _("Not known without a connection"),
        "children_unknown": _(
            "Not known without a connection: the register checks the children when the use is synced."
        ),
        "synced_card": _("Card {card}: {result}"),
    }


def _page_context(venue_id: int | None, device: bool) -> dict[str, object]:
    return {
        "sectors": Sector.choices,
        "door_text": _door_text(),
        "door_settings": {
            "venueId": venue_id,
            "device": device,
            "api": reverse("door-api:keys").removesuffix("keys/"),
            "assets": [static(path) for path in OFFLINE_ASSETS],
            "wasm": static("vendor/zxing/zxing_reader.wasm"),
            "sw": reverse("door:service_worker"),
            "scope": reverse("door:index"),
            "labels": services.reason_labels(),
            "refreshSeconds": settings.DOOR_REFRESH_SECONDS,
            # The page offers Undo for as long as the register accepts it (visits.services).
            "undoSeconds": int(UNDO_WINDOW.total_seconds()),
        },
    }


@login_required
def index(request: HttpRequest) -> HttpResponse:
    scope = request_scope(request)
    venues = list(Site.objects.venues().filter(pk__in=scope.venue_ids))
    if len(venues) == 1:
        return redirect("door:page", venues[0].pk)
    return render(request, "door/index.html", {"venues": venues})


@login_required
def page(request: HttpRequest, venue_id: int) -> HttpResponse:
    venue = get_venue(request, venue_id)
    is_admin = venue.pk in request_scope(request).venue_admin_ids
    context = {"venue": venue, "is_admin": is_admin, "device_mode": False, **_page_context(venue.pk, device=False)}
    return render(request, "door/page.html", context)


def device_page(request: HttpRequest) -> HttpResponse:
    """The same door for a device without a staff session: it signs in with its token."""
    return render(request, "door/page.html", {"venue": None, "device_mode": True, **_page_context(None, device=True)})


@never_cache
def service_worker(request: HttpRequest) -> HttpResponse:
    body = render_to_string("door/sw.js", {"assets": json.dumps([static(p) for p in OFFLINE_ASSETS])})
    response = HttpResponse(body, content_type="application/javascript")
    response["Service-Worker-Allowed"] = reverse("door:index")
    return response


@login_required
def devices(request: HttpRequest, venue_id: int) -> HttpResponse:
    venue = get_venue(request, venue_id, admin=True)
    form = DeviceForm(request.POST or None)
    token = None
    if request.method == "POST" and form.is_valid():
        _device, token = services.create_device_token(venue, form.cleaned_data["label"], request.user)
        form = DeviceForm()
    tokens = DeviceToken.objects.filter(venue=venue)
    return render(request, "door/devices.html", {"venue": venue, "form": form, "tokens": tokens, "new_token": token})


@login_required
@require_POST
def revoke_device(request: HttpRequest, venue_id: int, pk: int) -> HttpResponse:
    venue = get_venue(request, venue_id, admin=True)
    device = get_object_or_404(DeviceToken, pk=pk, venue=venue)
    services.revoke_device_token(device, request.user)
    messages.success(request, _("The device %(label)s can no longer record uses.") % {"label": device.label})
    return redirect("door:devices", venue.pk)


@login_required
def printables_page(request: HttpRequest, site_id: int) -> HttpResponse:
    site = get_distributor_site(request, site_id)
    stock = Card.objects.filter(site=site, status=Card.Status.UNREGISTERED).count()
    return render(request, "door/printables.html", {"site": site, "form": SheetForm(), "stock": stock})


@login_required
def stock_sheet(request: HttpRequest, site_id: int) -> HttpResponse:
    """The site's unregistered card stock, newest first, as A4 sheets to print and cut."""
    site = get_distributor_site(request, site_id)
    form = SheetForm(request.GET or {"count": 50, "language": (request.LANGUAGE_CODE or "fi")[:2]})
    if not form.is_valid():
        messages.error(request, _("Give a number of cards between 1 and 500."))
        return redirect("door:printables", site.pk)
    cards = list(
        Card.objects.filter(site=site, status=Card.Status.UNREGISTERED)
        .select_related("site__area")
        .order_by("-pk")[: form.cleaned_data["count"]]
    )
    if not cards:
        messages.error(request, _("This site has no unregistered card stock. Create new card numbers first."))
        return redirect("door:printables", site.pk)
    pdf = printables.stock_sheet_pdf(site, cards, form.cleaned_data["language"])
    return _pdf_response(pdf, f"kaikukortti-{site.pk}.pdf")


@login_required
def holder_slip(request: HttpRequest, pk: int) -> HttpResponse:
    """The holder slip. POSTed from the card page with the code just issued, it carries the code.

    The plain activation code only exists on the page shown right after registration,
    renewal or a new code, so that page sends it here; it is checked against the stored
    hash, never stored, and never put in a URL.
    """
    card = get_card(request, pk)
    if card.status != Card.Status.ACTIVE:
        raise Http404
    form = SlipForm(request.POST if request.method == "POST" else request.GET)
    form.is_valid()  # every field is optional; a bad language falls back to the page's
    language = form.cleaned_data.get("language") or (request.LANGUAGE_CODE or "fi")[:2]
    code = None
    if request.method == "POST":
        typed = (form.cleaned_data.get("activation_code") or "").strip().upper()
        if typed and card.activation_code_hash and check_password(typed, card.activation_code_hash):
            code = typed
    pdf = printables.holder_slip_pdf(card, code, language)
    record_read(request, ReadEntry.What.HOLDER_DOWNLOAD, object_id=card.pk, detail="holder slip")
    return _pdf_response(pdf, f"kaikukortti-{card.number}.pdf")
