"""Distributor staff's card desk: register, renew, correct, inactivate, replace."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kaiku.accounts.scopes import get_distributor_site, request_scope, require_national
from kaiku.cards import imports, legacy, numbers
from kaiku.cards.forms import (
    CommunityCardForm,
    HolderDetailsForm,
    LegacyFormatForm,
    ReasonForm,
    RegisterForm,
    ReplaceForm,
    StockForm,
)
from kaiku.cards.models import Card, LegacyFormat
from kaiku.cards.services import (
    REGISTRATION_FIELDS,
    CardError,
    Issued,
    correct_card,
    create_stock,
    inactivate_card,
    register_card,
    register_community_card,
    reissue_activation_code,
    renew_card,
    replace_card,
)
from kaiku.privacy.models import ReadEntry
from kaiku.privacy.services import record_read
from kaiku.reports.demand import count_refused_registration
from kaiku.web.errors import submit
from kaiku.web.import_pages import import_page
from kaiku.web.models import ImportRecord

SESSION_CODES = "kaiku_activation_codes"


def get_card(request: HttpRequest, pk: int) -> Card:
    """A card of a site the user works at; any other card answers 404."""
    scope = request_scope(request)
    try:
        card = Card.objects.select_related("site__area", "municipality", "replaced_by").get(pk=pk)
    except Card.DoesNotExist:
        raise Http404 from None
    if card.site_id not in scope.distributor_site_ids:
        raise Http404
    return card


def _to_new_card(request: HttpRequest, issued: Issued, message: str) -> HttpResponse:
    """To the new card's page, where its activation code shows once; ``message`` names its number."""
    _remember_code(request, issued)
    messages.success(request, message % {"number": issued.card.display_number})
    return redirect("cards:detail", issued.card.pk)


def _remember_code(request: HttpRequest, issued: Issued) -> None:
    """The plain activation code is shown once, on the next page, then forgotten."""
    codes = request.session.get(SESSION_CODES, {})
    codes[str(issued.card.pk)] = issued.activation_code
    request.session[SESSION_CODES] = codes


def pop_code(request: HttpRequest, card: Card) -> str | None:
    codes = request.session.get(SESSION_CODES, {})
    code = codes.pop(str(card.pk), None)
    if code is not None:
        request.session[SESSION_CODES] = codes
    return code


@never_cache
@login_required
def site_cards(request: HttpRequest, site_id: int) -> HttpResponse:
    site = get_distributor_site(request, site_id)
    cards = Card.objects.filter(site=site).exclude(status=Card.Status.UNREGISTERED).order_by("-updated_at")
    query = request.GET.get("q", "").strip()
    if query:
        # The search is logged, never what was searched for.
        record_read(request, ReadEntry.What.CARD_SEARCH, detail=f"site {site.pk}")
        try:
            cards = cards.filter(number=legacy.parse_any(query).canonical)
        except numbers.InvalidCardNumber:
            cards = cards.filter(number__icontains=query.upper().replace("-", "").removeprefix("KK"))
    page = Paginator(cards, 50).get_page(request.GET.get("page"))
    stock = Card.objects.filter(site=site, status=Card.Status.UNREGISTERED).count()
    return render(
        request,
        "cards/site_cards.html",
        {"site": site, "page": page, "query": query, "stock": stock, "stock_form": StockForm()},
    )


@login_required
def register(request: HttpRequest, site_id: int) -> HttpResponse:
    site = get_distributor_site(request, site_id)
    form = RegisterForm(request.POST or None, site=site)
    if request.method == "POST" and form.is_valid():
        try:
            issued = register_card(site, form.details(), request.user, number=form.cleaned_data["number"] or None)
        except CardError as exc:
            if exc.code == "municipality_not_in_network":
                count_refused_registration(form.cleaned_data["municipality"].code)
            form.add_error(None, exc.message)
        else:
            return _to_new_card(request, issued, _("The card %(number)s is registered."))
    return render(request, "cards/register.html", {"site": site, "form": form})


@login_required
def community(request: HttpRequest, site_id: int) -> HttpResponse:
    site = get_distributor_site(request, site_id)
    form = CommunityCardForm(request.POST or None)
    if done := submit(
        request,
        form,
        lambda data: register_community_card(site, data["label"], request.user, number=data["number"] or None),
    ):
        return _to_new_card(request, done.result, _("The community card %(number)s is ready."))
    return render(request, "cards/community.html", {"site": site, "form": form})


@login_required
@require_POST
def stock(request: HttpRequest, site_id: int) -> HttpResponse:
    site = get_distributor_site(request, site_id)
    form = StockForm(request.POST)
    if form.is_valid():
        create_stock(site, form.cleaned_data["count"], actor=request.user)
        messages.success(request, _("%(count)s new card numbers are ready for printing.") % form.cleaned_data)
    else:
        messages.error(request, _("Give a number between 1 and 5000."))
    return redirect("cards:site_cards", site.pk)


@never_cache
@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    card = get_card(request, pk)
    record_read(request, ReadEntry.What.CARD, object_id=card.pk)
    events = card.events.select_related("actor")
    uses = card.uses.select_related("venue").order_by("-scanned_at")[:20]
    return render(
        request,
        "cards/detail.html",
        {"card": card, "site": card.site, "events": events, "uses": uses, "activation_code": pop_code(request, card)},
    )


def _issue(request: HttpRequest, action: Callable[[], Issued]) -> Issued | None:
    """Run a card action that hands out an activation code; a refusal goes to the messages."""
    try:
        issued = action()
    except CardError as exc:
        messages.error(request, exc.message)
        return None
    _remember_code(request, issued)
    return issued


@login_required
@require_POST
def renew(request: HttpRequest, pk: int) -> HttpResponse:
    card = get_card(request, pk)
    if issued := _issue(request, lambda: renew_card(card, request.user)):
        valid_until = date_format(issued.card.valid_until or "", "SHORT_DATE_FORMAT")
        messages.success(request, _("Renewed: valid until %(date)s.") % {"date": valid_until})
    return redirect("cards:detail", card.pk)


@login_required
def correct(request: HttpRequest, pk: int) -> HttpResponse:
    card = get_card(request, pk)
    if card.is_community or card.status != Card.Status.ACTIVE:
        code = "not_active" if card.status != Card.Status.ACTIVE else "community_has_no_holder"
        messages.error(request, CardError(code).message)
        return redirect("cards:detail", card.pk)
    initial = {name: getattr(card, name) for name in REGISTRATION_FIELDS}
    form = HolderDetailsForm(request.POST or None, initial=initial, site=card.site)
    done = _("The details are corrected.")
    return _card_form(
        request, card, form, "cards/correct.html", done, lambda _data: correct_card(card, form.details(), request.user)
    )


@login_required
def inactivate(request: HttpRequest, pk: int) -> HttpResponse:
    card = get_card(request, pk)
    form = ReasonForm(request.POST or None)
    done = _("The card is inactivated.")
    return _card_form(
        request,
        card,
        form,
        "cards/inactivate.html",
        done,
        lambda data: inactivate_card(card, data["reason"], request.user),
    )


def _card_form(
    request: HttpRequest,
    card: Card,
    form: Form,
    template: str,
    done: str,
    action: Callable[[dict[str, Any]], object],
) -> HttpResponse:
    """A card's page with one form: a valid POST runs the card action and goes back to the card
    with ``done``; otherwise the page again, with a refusal on the form."""
    if submit(request, form, action):
        messages.success(request, done)
        return redirect("cards:detail", card.pk)
    return render(request, template, {"card": card, "site": card.site, "form": form})


@login_required
def replace(request: HttpRequest, pk: int) -> HttpResponse:
    card = get_card(request, pk)
    form = ReplaceForm(request.POST or None)
    if done := submit(request, form, lambda data: replace_card(card, request.user, number=data["number"] or None)):
        return _to_new_card(request, done.result, _("The new card is %(number)s. The old card no longer works."))
    return render(request, "cards/replace.html", {"card": card, "site": card.site, "form": form})


@login_required
@require_POST
def reissue_code(request: HttpRequest, pk: int) -> HttpResponse:
    card = get_card(request, pk)
    _issue(request, lambda: Issued(card, reissue_activation_code(card, request.user)))
    return redirect("cards:detail", card.pk)


# --- Legacy number formats (national admin; docs/legacy-numbers.md) -------------------------


@never_cache
@login_required
def legacy_formats(request: HttpRequest) -> HttpResponse:
    """The declared formats, and a form to declare one more."""
    require_national(request)
    return _legacy_format_page(request, None)


@never_cache
@login_required
def legacy_format(request: HttpRequest, pk: int) -> HttpResponse:
    require_national(request)
    return _legacy_format_page(request, get_object_or_404(LegacyFormat, pk=pk))


def _legacy_format_page(request: HttpRequest, instance: LegacyFormat | None) -> HttpResponse:
    form = LegacyFormatForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            # The form has already copied its values onto ``instance``: the service gets
            # the stored row, so the audit log sees what changed.
            stored = LegacyFormat.objects.get(pk=instance.pk) if instance else None
            legacy.save_format(request.user, form.cleaned_data, instance=stored)
        except legacy.LegacyFormatError as exc:
            form.add_error(exc.field, exc.message)
        else:
            messages.success(request, _("Legacy number format saved."))
            return redirect("cards:legacy_formats")
    formats = LegacyFormat.objects.order_by("-active", "name")
    return render(request, "cards/legacy_formats.html", {"form": form, "formats": formats, "instance": instance})


@login_required
def import_registrations(request: HttpRequest, site_id: int) -> HttpResponse:
    site, title = get_distributor_site(request, site_id), _("Import card registrations recorded offline")
    return import_page(request, ImportRecord.Kind.REGISTRATIONS, imports.import_registrations, site, title)
