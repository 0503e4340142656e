"""The holder's portal pages, and distributor staff's group visit pages."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from kaiku.accounts.scopes import get_distributor_site
from kaiku.cards.models import Card
from kaiku.offers import services as offer_services
from kaiku.offers.models import Occurrence, Reservation
from kaiku.outreach import services as outreach
from kaiku.portal import services, tips
from kaiku.portal.forms import EmailLinkForm, FeedbackForm, GroupVisitForm, SignInForm, WellbeingForm
from kaiku.portal.holder import (
    TEXT_SIZE_COOKIE,
    TEXT_SIZES,
    clear_device_cookie,
    current_card,
    current_device,
    holder_required,
    safe_next,
    set_device_cookie,
)
from kaiku.portal.models import Feedback, GroupVisit, GroupVisitParticipant, HolderPreference
from kaiku.portal.qr import card_qr_svg
from kaiku.portal.services import PortalError
from kaiku.visits.models import Use
from kaiku.web.clients import client_address
from kaiku.web.errors import details, submit

# Bump when the cached shell (CSS, script) changes, so old caches are dropped.
SW_VERSION = "kaiku-card-v1"


def _after_sign_in(card: Card, next_url: str) -> str:
    """The survey comes first when it is due (once per card year); it can be skipped."""
    if services.survey_due(card):
        return f"{reverse('portal:survey')}?{urlencode({'next': next_url})}"
    return next_url


# --- Signing in and out -----------------------------------------------------------------


@never_cache
def sign_in(request: HttpRequest) -> HttpResponse:
    if current_card(request) is not None:
        return redirect(safe_next(request))
    form = SignInForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        result = services.sign_in_with_code(
            form.cleaned_data["number"], form.cleaned_data["code"], client_address(request)
        )
        if result.ok:
            assert result.device is not None
            response = redirect(_after_sign_in(result.device.card, safe_next(request)))
            set_device_cookie(response, result.token)
            return response
        # One answer for an unknown number, a wrong code and an inactive card.
        if result.outcome == "throttled":
            error = _("Too many tries. Wait 15 minutes and try again, or ask for a new code where you got your card.")
        else:
            error = _("The card number or the activation code is not right. Check them and try again.")
    elif request.method == "POST":
        error = _("Fill in both the card number and the activation code.")
    return render(
        request,
        "portal/sign_in.html",
        {"form": form, "error": error, "next": request.GET.get("next", "")},
        status=200,
    )


@never_cache
def email_link(request: HttpRequest) -> HttpResponse:
    form = EmailLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.request_sign_in_link(form.cleaned_data["email"], client_address(request))
        return render(request, "portal/email_link_sent.html")
    return render(request, "portal/email_link.html", {"form": form})


@never_cache
def link_sign_in(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks to confirm (so an e-mail scanner opening the link does not use it up); POST signs in."""
    if request.method == "POST":
        result = services.sign_in_with_link(token, client_address(request))
        if result.ok:
            assert result.device is not None
            response = redirect(_after_sign_in(result.device.card, reverse("portal:home")))
            set_device_cookie(response, result.token)
            return response
        return render(request, "portal/link_invalid.html", status=200)
    return render(request, "portal/link_confirm.html", {"token": token})


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    device = current_device(request)
    if device is not None:
        services.sign_out(device)
    response = render(request, "portal/signed_out.html", {"holder_card": None})
    clear_device_cookie(response)
    return response


@require_POST
def text_size(request: HttpRequest) -> HttpResponse:
    value = request.POST.get("size", "100")
    response = redirect(safe_next(request))
    if value in TEXT_SIZES:
        response.set_cookie(
            TEXT_SIZE_COOKIE, value, max_age=400 * 24 * 3600, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE
        )
    return response


# --- The holder's pages -----------------------------------------------------------------


def home(request: HttpRequest) -> HttpResponse:
    card = current_card(request)
    if card is None:
        return redirect("portal:sign_in")
    now = timezone.now()
    pending = services.feedback_pending(card)
    groups = list(services.visible_group_visits(card)[:3])
    return render(
        request,
        "portal/home.html",
        {
            "card": card,
            "pending": pending[:1],
            "survey_due": services.survey_due(card),
            "tips": tips.tips_for(card, limit=3),
            "groups": groups,
            "year_count": Use.objects.accepted().filter(card=card).in_year(now.year).count(),
            "expired": card.is_expired_on(timezone.localdate()),
            # From the holder's distributor site: tips a worker sent, a renewal reminder.
            "worker_tips": outreach.portal_tips(card),
            "renewal": outreach.due_reminder(card),
        },
    )


@never_cache
@holder_required
def digital_card(request: HttpRequest, card: Card) -> HttpResponse:
    label = _("Card code for scanning at the door")
    context = {
        "card": card,
        "qr": card_qr_svg(card, label),
        "expired": card.is_expired_on(timezone.localdate()),
        "loaded_at": timezone.localtime(),
    }
    return render(request, "portal/card.html", context)


@never_cache
@require_GET
def card_version(request: HttpRequest) -> HttpResponse:
    """For the digital card's script: has the card changed since the page was saved?"""
    card = current_card(request)
    if card is None:
        return JsonResponse({"signed_in": False})
    return JsonResponse({"signed_in": True, "version": card.code_version})


@holder_required
def uses(request: HttpRequest, card: Card) -> HttpResponse:
    this_year = timezone.localdate().year
    accepted = Use.objects.accepted().filter(card=card)
    years = sorted({d.year for d in accepted.dates("used_on", "year")} | {this_year}, reverse=True)
    # Only a year the card has uses in (or this year): anything else is a 400 with a message.
    asked = request.GET.get("year", str(this_year))
    year = next((y for y in years if str(y) == asked.strip()), None)
    if year is None:
        messages.warning(request, _("There are no uses to show for that year. Here are this year's."))
        year = this_year
    rows = list(accepted.in_year(year).select_related("venue", "offer", "feedback").order_by("-used_on", "-pk"))
    by_sector = Counter(u.get_sector_display() for u in rows)
    pending_ids = {u.pk for u in services.feedback_pending(card)}
    return render(
        request,
        "portal/uses.html",
        {
            "card": card,
            "year": year,
            "years": years,
            "rows": rows,
            "count": len(rows),
            "children": sum(u.children for u in rows),
            "by_sector": sorted(by_sector.items()),
            "pending_ids": pending_ids,
            "is_this_year": year == this_year,
        },
        status=200 if str(year) == asked.strip() else 400,
    )


def _feedback_page(request: HttpRequest, use: Use, *, channel: str, done_url: str) -> HttpResponse:
    answered = Feedback.objects.filter(use=use).first()
    if answered is not None:
        return render(request, "portal/feedback_done.html", {"use": use, "already": True})
    form = FeedbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        skip = "skip" in request.POST
        services.give_feedback(
            use,
            score=None if skip else form.cleaned_data["score"],
            went_with_someone=None if skip else form.went_with_someone,
            text="" if skip else form.cleaned_data["text"],
            channel=channel,
            not_for_venue=not skip and form.cleaned_data["not_for_venue"],
        )
        if skip:
            return redirect(done_url)
        return render(request, "portal/feedback_done.html", {"use": use, "already": False})
    return render(request, "portal/feedback.html", {"use": use, "form": form})


@holder_required
def feedback(request: HttpRequest, card: Card, use_id: int) -> HttpResponse:
    use = services.own_use(card, use_id)
    if use is None:
        raise Http404
    return _feedback_page(request, use, channel=Feedback.Channel.PORTAL, done_url=reverse("portal:uses"))


@require_POST
@holder_required
def feedback_private(request: HttpRequest, card: Card, use_id: int) -> HttpResponse:
    """The holder asks, after answering, that the venue not read their comment (one way)."""
    use = services.own_use(card, use_id)
    if use is None:
        raise Http404
    if services.keep_comment_from_venue(use):
        messages.success(request, _("Your comment is not shown to the venue."))
    return redirect("portal:uses")


def feedback_by_link(request: HttpRequest, token: str) -> HttpResponse:
    """The feedback question from an e-mail: the signed link answers for that one use only."""
    use = services.use_for_feedback_token(token)
    if use is None:
        raise Http404
    return _feedback_page(request, use, channel=Feedback.Channel.EMAIL, done_url=reverse("portal:home"))


@holder_required
def survey(request: HttpRequest, card: Card) -> HttpResponse:
    next_url = safe_next(request)
    occasion = services.survey_due(card)
    if occasion is None:
        return redirect(next_url)
    form = WellbeingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        declined = "skip" in request.POST
        services.answer_survey(card, form.answers(), declined=declined)
        if not declined:
            messages.success(request, _("Thank you for answering."))
        return redirect(next_url)
    return render(request, "portal/survey.html", {"form": form, "occasion": occasion, "next": next_url})


@holder_required
def offers(request: HttpRequest, card: Card) -> HttpResponse:
    pref = HolderPreference.objects.filter(card=card).first()
    reservations = list(
        Reservation.objects.holding()
        .filter(card=card)
        .select_related("occurrence__offer__venue")
        .order_by("occurrence__starts_at")
    )
    return render(
        request,
        "portal/offers.html",
        {
            "card": card,
            "tips": tips.tips_for(card),
            "rows": tips.catalogue(card),
            "reservations": reservations,
            "reserved": {r.occurrence_id for r in reservations},
            "digest": bool(pref and pref.digest),
            "can_email": bool(card.portal_consent and card.email),
        },
    )


@require_POST
@holder_required
def reserve(request: HttpRequest, card: Card, pk: int) -> HttpResponse:
    """Hold a place at an occurrence of an offer the holder sees (the offers app keeps the quota)."""
    occurrence = Occurrence.objects.filter(pk=pk, offer__in=tips.available_offers(card)).first()
    if occurrence is None:
        raise Http404
    try:
        children = int(request.POST.get("children") or 0)
    except ValueError:
        children = -1
    try:
        if not 0 <= children <= 30:
            raise offer_services.OfferError("bad_counts")
        offer_services.reserve(
            card,
            occurrence,
            by=services.HOLDER,
            via=Reservation.Via.PORTAL,
            children=0 if card.is_community else children,
        )
        messages.success(request, _("Your place is reserved. Show your card at the door."))
    except offer_services.OfferError as exc:
        messages.error(request, exc.message)
    return redirect("portal:offers")


@require_POST
@holder_required
def cancel_reservation(request: HttpRequest, card: Card, pk: int) -> HttpResponse:
    reservation = Reservation.objects.filter(pk=pk, card=card).first()
    if reservation is None:
        raise Http404
    try:
        offer_services.cancel_reservation(reservation, by=services.HOLDER, by_holder=True)
        messages.success(request, _("Your reservation is cancelled."))
    except offer_services.OfferError as exc:
        messages.error(request, exc.message)
    return redirect("portal:offers")


@require_POST
@holder_required
def digest(request: HttpRequest, card: Card) -> HttpResponse:
    pref = services.set_digest(card, request.POST.get("digest") == "on")
    messages.success(request, _("You will get tips by e-mail once a week.") if pref.digest else _("No tips by e-mail."))
    return redirect("portal:offers")


@holder_required
def groups(request: HttpRequest, card: Card) -> HttpResponse:
    visits = list(
        services.visible_group_visits(card, with_cancelled_joined=True).annotate(
            size=Count("participants", distinct=True)
        )
    )
    joined = set(
        GroupVisitParticipant.objects.filter(card=card, group_visit__in=visits).values_list("group_visit_id", flat=True)
    )
    return render(request, "portal/groups.html", {"card": card, "visits": visits, "joined": joined})


def _visible_visit(card: Card, pk: int) -> GroupVisit:
    return get_object_or_404(GroupVisit, pk=pk, site__area_id__in=services.holder_area_ids(card))


@require_POST
@holder_required
def join_group(request: HttpRequest, card: Card, pk: int) -> HttpResponse:
    visit = _visible_visit(card, pk)
    try:
        services.join_group_visit(card, visit)
        messages.success(request, _("You have joined the group. See you there!"))
    except PortalError as exc:
        messages.error(request, exc.message)
    return redirect("portal:groups")


@require_POST
@holder_required
def leave_group(request: HttpRequest, card: Card, pk: int) -> HttpResponse:
    visit = _visible_visit(card, pk)
    services.leave_group_visit(card, visit)
    messages.success(request, _("You have left the group."))
    return redirect("portal:groups")


@holder_required
def my_data(request: HttpRequest, card: Card) -> HttpResponse:
    card = Card.objects.select_related("site", "municipality").get(pk=card.pk)
    data = services.export_data(card)
    return render(request, "portal/my_data.html", {"card": card, "data": data})


@never_cache
@holder_required
def download_data(request: HttpRequest, card: Card) -> HttpResponse:
    body = json.dumps(services.export_data(card), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kaikukortti-{card.number}.json"'
    return response


@require_POST
@holder_required
def withdraw_consent(request: HttpRequest, card: Card) -> HttpResponse:
    which = request.POST.get("consent")
    if which not in {"portal", "survey"}:
        messages.error(request, _("Choose which consent to withdraw."))
        return redirect("portal:my_data")
    services.withdraw_consents(card, portal=which == "portal", survey=which == "survey")
    messages.success(request, _("Your consent has been withdrawn."))
    return redirect("portal:my_data")


@require_POST
@holder_required
def delete_email(request: HttpRequest, card: Card) -> HttpResponse:
    services.delete_portal_email(card)
    messages.success(request, _("Your e-mail address has been deleted."))
    return redirect("portal:my_data")


# --- Installable web app ----------------------------------------------------------------


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    body = render_to_string("portal/sw.js", {"version": SW_VERSION}, request=request)
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = reverse("portal:home")
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    data = {
        "name": "Kaikukortti",
        "short_name": "Kaikukortti",
        "description": _("Your Kaikukortti on your phone."),
        "start_url": reverse("portal:card"),
        "scope": reverse("portal:home"),
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#1f3a5f",
        "lang": request.LANGUAGE_CODE,
        "icons": [{"src": reverse("portal:icon"), "sizes": "any", "type": "image/svg+xml", "purpose": "any"}],
    }
    return JsonResponse(data, content_type="application/manifest+json")


@require_GET
def icon(request: HttpRequest) -> HttpResponse:
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">'
        '<rect width="64" height="64" rx="12" fill="#1f3a5f"/>'
        '<text x="32" y="42" font-size="28" text-anchor="middle" fill="#fff" font-family="sans-serif">KK</text></svg>'
    )
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Cache-Control"] = "max-age=86400"
    return response


# --- Distributor staff: group visits ----------------------------------------------------


@login_required
def staff_groups(request: HttpRequest, site_id: int) -> HttpResponse:
    site = get_distributor_site(request, site_id)
    visits = (
        GroupVisit.objects.filter(site=site, meets_at__gte=timezone.now() - dt.timedelta(days=30))
        .select_related("offer__venue", "community_card")
        .annotate(size=Count("participants"))
    )
    return render(request, "portal/staff/groups.html", {"site": site, "visits": visits})


@login_required
def staff_group_new(request: HttpRequest, site_id: int) -> HttpResponse:
    site = get_distributor_site(request, site_id)
    form = GroupVisitForm(site, request.POST or None)
    if done := submit(
        request,
        form,
        lambda data: services.create_group_visit(site, details(services.GroupVisitDetails, data), request.user),
    ):
        messages.success(request, _("The group visit is now shown to holders in your area."))
        return redirect("portal:staff_group", site_id=site.pk, pk=done.result.pk)
    no_community_card = not form.fields["community_card"].queryset.exists()  # type: ignore[attr-defined]
    return render(
        request, "portal/staff/group_new.html", {"site": site, "form": form, "no_community_card": no_community_card}
    )


def _staff_visit(request: HttpRequest, site_id: int, pk: int) -> GroupVisit:
    site = get_distributor_site(request, site_id)
    visit = GroupVisit.objects.filter(site=site, pk=pk).select_related("offer__venue", "community_card", "site").first()
    if visit is None:
        raise Http404
    return visit


@login_required
def staff_group(request: HttpRequest, site_id: int, pk: int) -> HttpResponse:
    visit = _staff_visit(request, site_id, pk)
    # Staff see participants' card numbers only, never any holder details.
    numbers = [p.card.display_number for p in visit.participants.select_related("card").only("card__number")]
    return render(request, "portal/staff/group.html", {"site": visit.site, "visit": visit, "numbers": numbers})


@require_POST
@login_required
def staff_group_cancel(request: HttpRequest, site_id: int, pk: int) -> HttpResponse:
    visit = _staff_visit(request, site_id, pk)
    services.cancel_group_visit(visit, request.user)
    messages.success(request, _("The group visit has been cancelled."))
    return redirect("portal:staff_groups", site_id=visit.site_id)
