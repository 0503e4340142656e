"""Offer views: the public catalogue and offer pages, and the venue's offer desk.

Public pages need no login. Venue pages fetch the venue with
``scopes.get_venue`` (404 for anyone not staffing it) and every offer,
occurrence and reservation through that venue, so another venue's objects are 404.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.forms import ModelForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kaiku.accounts.scopes import get_venue
from kaiku.audit import services as audit
from kaiku.network.models import Area, Site
from kaiku.offers import calendar, catalogue, services
from kaiku.offers.forms import OccurrenceForm, OfferForm, ReserveForm, SearchForm, SeatsForm
from kaiku.offers.models import Occurrence, Offer, Reservation
from kaiku.offers.services import OCCURRENCE_AUDIT_FIELDS, OFFER_AUDIT_FIELDS, OfferError
from kaiku.visits.services import find_card

PAGE_SIZE = 20
# The venue's offer page lists dates from a week back, so staff see what just happened.
RECENT = dt.timedelta(days=7)


# --- public -----------------------------------------------------------------------------


# Counting stops here: "more than 1000 offers" helps nobody more than the exact number,
# and counting 40,000 matches nationwide costs as much as finding the page.
COUNT_CAP = 1000


class CountedPaginator(Paginator):
    """Counts the unsorted query, up to COUNT_CAP + 1: the sort adds nothing to a count."""

    def __init__(self, object_list: Any, per_page: int, counted: Any) -> None:
        super().__init__(object_list, per_page)
        self.counted = counted

    @cached_property
    def count(self) -> int:
        # order_by(): the model's default ordering (title) would make the database sort every match.
        return int(self.counted.order_by()[: COUNT_CAP + 1].count())

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP


def catalogue_view(request: HttpRequest) -> HttpResponse:
    return _catalogue(request, None)


def area_catalogue(request: HttpRequest, area_slug: str) -> HttpResponse:
    try:
        area = Area.objects.in_network().get(slug=area_slug)
    except Area.DoesNotExist:
        raise Http404 from None
    return _catalogue(request, area)


def _catalogue(request: HttpRequest, area: Area | None) -> HttpResponse:
    now = timezone.now()
    form = SearchForm(request.GET or None, area=area)
    criteria = catalogue.Criteria()
    if form.is_bound and form.is_valid():
        criteria = catalogue.Criteria.from_form(form.cleaned_data)
    results = catalogue.search(criteria, now, area=area)
    # Sort and page over ids only, then load the page's 20 offers with what they show.
    paginator = CountedPaginator(catalogue.ordered(results, now).values_list("pk", flat=True), PAGE_SIZE, results)
    page = paginator.get_page(request.GET.get("page"))
    ids = list(page.object_list)
    offers = sorted(catalogue.for_listing(Offer.objects.filter(pk__in=ids), now), key=lambda o: ids.index(o.pk))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "area": area,
        "page": page,
        "offers": offers,
        "now": now,
        "query": query.urlencode(),
        "searched": form.is_bound,
        "count_cap": COUNT_CAP,
    }
    return render(request, "offers/catalogue.html", context)


def _public_offer(pk: int) -> Offer:
    try:
        return Offer.objects.public().select_related("venue__area", "venue__municipality").get(pk=pk)
    except Offer.DoesNotExist:
        raise Http404 from None


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    offer = _public_offer(pk)
    now = timezone.now()
    occurrences = list(
        catalogue.with_taken(Occurrence.objects.filter(offer=offer).upcoming(now), now).order_by("starts_at")[:50]
    )
    page_url = request.build_absolute_uri(reverse("offers:detail", args=[offer.pk]))
    structured = calendar.structured_data(offer, occurrences, page_url, request.build_absolute_uri("/"))
    context = {
        "offer": offer,
        "occurrences": occurrences,
        "now": now,
        "structured_data": mark_safe(_json_for_script(structured)),  # noqa: S308 - escaped below
    }
    return render(request, "offers/detail.html", context)


def _json_for_script(data: Any) -> str:
    """JSON safe inside a <script> element: no way to close the tag early."""
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def ical(request: HttpRequest, pk: int) -> HttpResponse:
    offer = _public_offer(pk)
    now = timezone.now()
    occurrences = list(Occurrence.objects.filter(offer=offer).upcoming(now).order_by("starts_at")[:200])
    page_url = request.build_absolute_uri(reverse("offers:detail", args=[offer.pk]))
    body = calendar.ical(offer, occurrences, page_url, now)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kaikukortti-{offer.pk}.ics"'
    return response


# --- venue staff ------------------------------------------------------------------------


def _venue_offer(venue: Site, pk: int) -> Offer:
    try:
        return Offer.objects.get(pk=pk, venue=venue)
    except Offer.DoesNotExist:
        raise Http404 from None


def _venue_occurrence(venue: Site, pk: int) -> Occurrence:
    try:
        return Occurrence.objects.select_related("offer").get(pk=pk, offer__venue=venue)
    except Occurrence.DoesNotExist:
        raise Http404 from None


def _saved(request: HttpRequest, form: ModelForm[Any], save: Callable[[Any], object], message: str) -> Any | None:
    """A valid POST: the form's object, saved through the service ``save``, with ``message``
    shown; None when there is nothing to save."""
    if request.method != "POST" or not form.is_valid():
        return None
    instance = form.save(commit=False)
    save(instance)
    messages.success(request, message)
    return instance


@login_required
def venue_offers(request: HttpRequest, venue_id: int) -> HttpResponse:
    venue = get_venue(request, venue_id)
    offers = Offer.objects.filter(venue=venue).order_by("-ends_on", "title_fi")
    return render(request, "offers/venue_offers.html", {"venue": venue, "offers": offers})


@login_required
def offer_create(request: HttpRequest, venue_id: int) -> HttpResponse:
    venue = get_venue(request, venue_id)
    form = OfferForm(request.POST or None, request.FILES or None, initial={"sector": venue.sector})
    form.instance.venue = venue
    if offer := _saved(request, form, lambda offer: services.save_offer(offer, request.user), _("The offer is saved.")):
        return redirect("offers:offer_manage", venue.pk, offer.pk)
    return render(request, "offers/offer_form.html", {"venue": venue, "form": form})


@login_required
def offer_edit(request: HttpRequest, venue_id: int, pk: int) -> HttpResponse:
    venue = get_venue(request, venue_id)
    offer = _venue_offer(venue, pk)
    before = audit.snapshot(offer, OFFER_AUDIT_FIELDS)
    form = OfferForm(request.POST or None, request.FILES or None, instance=offer)
    if _saved(request, form, lambda offer: services.save_offer(offer, request.user, before), _("The offer is saved.")):
        return redirect("offers:offer_manage", venue.pk, offer.pk)
    return render(request, "offers/offer_form.html", {"venue": venue, "form": form, "offer": offer})


@login_required
def offer_manage(request: HttpRequest, venue_id: int, pk: int) -> HttpResponse:
    venue = get_venue(request, venue_id)
    offer = _venue_offer(venue, pk)
    now = timezone.now()
    occurrences = list(
        catalogue.with_taken(Occurrence.objects.filter(offer=offer, starts_at__gt=now - RECENT), now).order_by(
            "starts_at"
        )[:100]
    )
    context = {"venue": venue, "offer": offer, "occurrences": occurrences, "now": now}
    return render(request, "offers/offer_manage.html", context)


@login_required
def occurrence_create(request: HttpRequest, venue_id: int, pk: int) -> HttpResponse:
    venue = get_venue(request, venue_id)
    offer = _venue_offer(venue, pk)
    form = OccurrenceForm(request.POST or None)
    form.instance.offer = offer
    if _saved(
        request, form, lambda occurrence: services.save_occurrence(occurrence, request.user), _("The date is saved.")
    ):
        return redirect("offers:offer_manage", venue.pk, offer.pk)
    return render(request, "offers/occurrence_form.html", {"venue": venue, "offer": offer, "form": form})


@login_required
def occurrence_edit(request: HttpRequest, venue_id: int, pk: int) -> HttpResponse:
    venue = get_venue(request, venue_id)
    occurrence = _venue_occurrence(venue, pk)
    before = audit.snapshot(occurrence, OCCURRENCE_AUDIT_FIELDS)
    form = OccurrenceForm(request.POST or None, instance=occurrence)
    saved = _("The date is saved.")
    if _saved(request, form, lambda occurrence: services.save_occurrence(occurrence, request.user, before), saved):
        return redirect("offers:occurrence_manage", venue.pk, occurrence.pk)
    context = {"venue": venue, "offer": occurrence.offer, "occurrence": occurrence, "form": form}
    return render(request, "offers/occurrence_form.html", context)


@login_required
def occurrence_manage(request: HttpRequest, venue_id: int, pk: int) -> HttpResponse:
    venue = get_venue(request, venue_id)
    occurrence = _venue_occurrence(venue, pk)
    return _occurrence_page(request, venue, occurrence)


def _occurrence_page(
    request: HttpRequest,
    venue: Site,
    occurrence: Occurrence,
    reserve_form: ReserveForm | None = None,
    seats_form: SeatsForm | None = None,
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    reservations = (
        Reservation.objects.filter(occurrence=occurrence)
        .select_related("card")
        .only("pk", "status", "via", "created_at", "closed_at", "card__number", "occurrence_id")
        .order_by("-created_at")[:200]
    )
    context = {
        "venue": venue,
        "offer": occurrence.offer,
        "occurrence": occurrence,
        "reservations": reservations,
        "left": services.places_left(occurrence, now),
        "started": occurrence.has_started(now),
        "reserve_form": reserve_form or ReserveForm(),
        "seats_form": seats_form or SeatsForm(),
    }
    return render(request, "offers/occurrence_manage.html", context, status=status)


@login_required
@require_POST
def reserve(request: HttpRequest, venue_id: int, pk: int) -> HttpResponse:
    venue = get_venue(request, venue_id)
    occurrence = _venue_occurrence(venue, pk)
    form = ReserveForm(request.POST)
    if form.is_valid():
        card, reason, _number = find_card(form.cleaned_data["number"])
        try:
            if card is None:
                raise OfferError(reason or "unknown_number")
            services.reserve(
                card,
                occurrence,
                by=request.user,
                children=form.cleaned_data["children"] or 0,
                community_clients=form.cleaned_data["community_clients"] or 0,
            )
        except OfferError as exc:
            form.add_error("number", exc.message)
        else:
            messages.success(request, _("The place is reserved for card %(number)s.") % {"number": card.display_number})
            return redirect("offers:occurrence_manage", venue.pk, occurrence.pk)
    return _occurrence_page(request, venue, occurrence, reserve_form=form, status=400)


@login_required
@require_POST
def release_seats(request: HttpRequest, venue_id: int, pk: int) -> HttpResponse:
    venue = get_venue(request, venue_id)
    occurrence = _venue_occurrence(venue, pk)
    form = SeatsForm(request.POST)
    if form.is_valid():
        try:
            services.release_seats(occurrence, form.cleaned_data["seats"], request.user)
        except OfferError as exc:
            form.add_error("seats", exc.message)
        else:
            messages.success(request, _("The seats are released and shown first in the catalogue."))
            return redirect("offers:occurrence_manage", venue.pk, occurrence.pk)
    return _occurrence_page(request, venue, occurrence, seats_form=form, status=400)


@login_required
@require_POST
def reservation_cancel(request: HttpRequest, venue_id: int, pk: int) -> HttpResponse:
    venue = get_venue(request, venue_id)
    try:
        reservation = Reservation.objects.select_related("occurrence").get(pk=pk, occurrence__offer__venue=venue)
    except Reservation.DoesNotExist:
        raise Http404 from None
    try:
        services.cancel_reservation(reservation, by=request.user)
    except OfferError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The reservation is cancelled."))
    return redirect("offers:occurrence_manage", venue.pk, reservation.occurrence_id)
