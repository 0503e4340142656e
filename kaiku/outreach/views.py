"""Distributor staff's tips, renewals and printed What's on; venue admins' and coordinators' feedback."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from kaiku.accounts.scopes import get_area, get_distributor_site, get_venue, request_scope
from kaiku.cards.views import get_card
from kaiku.network.models import Area, Site
from kaiku.outreach import feedback, services, whatson
from kaiku.outreach.forms import TipForm, WhatsOnForm, YearForm
from kaiku.outreach.models import WorkerTip
from kaiku.outreach.printables import tip_slip_pdf
from kaiku.outreach.services import OutreachError
from kaiku.privacy.models import ReadEntry
from kaiku.privacy.services import record_read
from kaiku.stats.suppression import HIDDEN_NOTE


def _pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _language() -> str:
    lang = (get_language() or "fi")[:2]
    return lang if lang in services.LANGUAGES else "fi"


# --- Distributor staff ------------------------------------------------------------------


@login_required
def site_home(request: HttpRequest, site_id: int) -> HttpResponse:
    site = get_distributor_site(request, site_id)
    today = timezone.localdate()
    figures = services.tip_figures([site], dt.date(today.year, 1, 1), today)
    return render(
        request,
        "outreach/site.html",
        {
            "site": site,
            "due_count": services.coming_due(site, today).count(),
            "figures": figures,
            "hidden_note": HIDDEN_NOTE,
            "whats_on_form": WhatsOnForm(initial={"lang": _language()}),
        },
    )


@never_cache
@login_required
def tip_new(request: HttpRequest, card_id: int) -> HttpResponse:
    card = get_card(request, card_id)
    site = Site.objects.select_related("area", "municipality").get(pk=card.site_id)
    form = TipForm(site, request.POST or None, initial={"language": _language()})
    if request.method == "POST" and form.is_valid():
        choice = form.choice
        try:
            tip = services.give_tip(
                site,
                card,
                choice.offer,
                choice.occurrence,
                delivery=form.cleaned_data["delivery"],
                actor=request.user,
                language=form.cleaned_data["language"],
            )
        except OutreachError as exc:
            form.add_error(None, exc.message)
        else:
            if tip.delivery == WorkerTip.Delivery.PORTAL:
                messages.success(request, _("The tip is now in the holder's portal, from your site."))
                return redirect("cards:detail", card.pk)
            return redirect("outreach:tip_done", tip.pk)
    return render(
        request,
        "outreach/tip_new.html",
        {"card": card, "site": site, "form": form, "portal": services.has_portal(card)},
        status=400 if request.method == "POST" else 200,
    )


def _own_tip(request: HttpRequest, pk: int) -> WorkerTip:
    tip = WorkerTip.objects.select_related("site__area", "card", "offer__venue", "occurrence").filter(pk=pk).first()
    if tip is None or tip.site_id not in request_scope(request).distributor_site_ids:
        raise Http404
    return tip


@never_cache
@login_required
def tip_done(request: HttpRequest, pk: int) -> HttpResponse:
    tip = _own_tip(request, pk)
    return render(request, "outreach/tip_done.html", {"tip": tip, "card": tip.card})


@never_cache
@login_required
@require_GET
def tip_slip(request: HttpRequest, pk: int) -> HttpResponse:
    tip = _own_tip(request, pk)
    return _pdf_response(tip_slip_pdf(tip), f"kaikukortti-tip-{tip.pk}.pdf")


@never_cache
@login_required
def renewals(request: HttpRequest, site_id: int) -> HttpResponse:
    site = get_distributor_site(request, site_id)
    # Card numbers of the site are read: logged, as a search of the site's cards is.
    record_read(request, ReadEntry.What.CARD_SEARCH, detail=f"site {site.pk} renewals due")
    cards = list(services.coming_due(site).only("pk", "number", "kind", "valid_until", "site_id")[:500])
    return render(request, "outreach/renewals.html", {"site": site, "cards": cards})


@login_required
@require_GET
def site_whats_on(request: HttpRequest, site_id: int) -> HttpResponse:
    site = get_distributor_site(request, site_id)
    site = Site.objects.select_related("area", "municipality").get(pk=site.pk)
    return _whats_on(request, lambda large, share: whatson.for_site(site, large=large, share=share), str(site.pk))


# --- Public -----------------------------------------------------------------------------


@require_GET
def area_whats_on(request: HttpRequest, slug: str) -> HttpResponse:
    area = Area.objects.in_network().filter(slug=slug).first()
    if area is None:
        raise Http404
    response = _whats_on(request, lambda large, share: whatson.for_area(area, large=large, share=share), area.slug)
    if response.status_code == 200:
        # Public offers only, nothing personal: it may be kept for a while.
        response["Cache-Control"] = "public, max-age=3600"
    return response


def _whats_on(request: HttpRequest, build: Callable[[bool, float], whatson.WhatsOn], name: str) -> HttpResponse:
    """The printed What's on in the language and print size asked for, its pages made by
    ``build(large, share)``; 400 for a choice the form does not offer."""
    form = WhatsOnForm(request.GET)
    if not form.is_valid():
        return HttpResponse(_("Choose Finnish, Swedish or English."), status=400, content_type="text/plain")
    lang = form.language(_language())
    large = form.cleaned_data["large"]
    pdf = whatson.pdf(lambda share: build(large, share), lang)
    return _pdf_response(pdf, f"kaikukortti-whats-on-{name}-{lang}.pdf")


# --- Figures and feedback ---------------------------------------------------------------


def _year(request: HttpRequest) -> tuple[YearForm, int, int]:
    form = YearForm(request.GET)
    if form.is_valid():
        return form, form.cleaned_data["year"], 200
    messages.error(request, " ".join(str(e) for e in form.errors.get("year", [])))
    return form, timezone.localdate().year, 400


@login_required
def area_tips(request: HttpRequest, area_id: int) -> HttpResponse:
    area = get_area(request, area_id)
    form, year, status = _year(request)
    national = request_scope(request).national
    sites = list(Site.objects.distributors().filter(area=area).order_by("name", "pk"))
    start, end = dt.date(year, 1, 1), min(dt.date(year, 12, 31), timezone.localdate())
    figures = services.tip_figures(sites, start, end, national=national)
    if national:
        record_read(request, ReadEntry.What.NATIONAL_VIEW, object_id=area.pk, detail=f"worker tips {year}")
    return render(
        request,
        "outreach/area_tips.html",
        {"area": area, "figures": figures, "year": year, "years": form.years(), "hidden_note": HIDDEN_NOTE},
        status=status,
    )


@never_cache
@login_required
def venue_feedback(request: HttpRequest, venue_id: int) -> HttpResponse:
    venue = get_venue(request, venue_id, admin=True)
    form, year, status = _year(request)
    return render(
        request,
        "outreach/venue_feedback.html",
        {
            "venue": venue,
            "months": feedback.venue_months(venue, year),
            "year": year,
            "years": form.years(),
            "min_answers": feedback.min_answers(),
        },
        status=status,
    )


@login_required
def area_feedback(request: HttpRequest, area_id: int) -> HttpResponse:
    area = get_area(request, area_id)
    form, year, status = _year(request)
    national = request_scope(request).national
    if national:
        record_read(request, ReadEntry.What.NATIONAL_VIEW, object_id=area.pk, detail=f"feedback themes {year}")
    themes = feedback.area_themes(area, year, national=national)
    return render(
        request,
        "outreach/area_feedback.html",
        {
            "area": area,
            "themes": themes,
            "rows": services.table_rows(themes.ratings),
            "hidden_note": HIDDEN_NOTE,
            "year": year,
            "years": form.years(),
        },
        status=status,
    )
