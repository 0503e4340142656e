from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from kaiku.accounts.scopes import require_national
from kaiku.cards.models import Card
from kaiku.cards.views import get_card
from kaiku.network.models import NationalSettings
from kaiku.portal.holder import holder_required
from kaiku.privacy import notices
from kaiku.privacy.models import ReadEntry
from kaiku.privacy.services import PrivacyError, erase_card


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("The holder asked for their details to be erased, and knows the card stops working."),
        required=True,
    )


# --- Erasure ---------------------------------------------------------------------------


@never_cache
@login_required
def erase_card_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The distributor erases a card's details for the client in front of them."""
    card = get_card(request, pk)
    form = EraseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            erase_card(card, request.user)
        except PrivacyError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The card's personal details have been erased."))
            return redirect("cards:detail", card.pk)
    return render(request, "privacy/erase_card.html", {"card": card, "form": form, "rules": NationalSettings.get()})


@never_cache
@holder_required
def erase_own(request: HttpRequest, card: Card) -> HttpResponse:
    """The holder erases their own card's details in the portal."""
    error: str | None = None
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            error = str(_("Tick the box to confirm."))
        else:
            try:
                erase_card(card, "holder", by_holder=True)
            except PrivacyError as exc:
                error = exc.message
            else:
                return redirect("privacy:erased")
    return render(request, "privacy/erase_own.html", {"card": card, "error": error})


def erased(request: HttpRequest) -> HttpResponse:
    return render(request, "privacy/erased.html")


# --- The read log ----------------------------------------------------------------------


class ReadFilterForm(forms.Form):
    what = forms.ChoiceField(label=_("What"), choices=[("", _("All")), *ReadEntry.What.choices], required=False)
    who = forms.CharField(label=_("Who (e-mail)"), max_length=200, required=False)
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


@never_cache
@login_required
def reads(request: HttpRequest) -> HttpResponse:
    """The national admin reads who looked at holder data; filterable."""
    require_national(request)
    form = ReadFilterForm(request.GET or None)
    entries = ReadEntry.objects.all()
    if form.is_valid():
        data = form.cleaned_data
        if data["what"]:
            entries = entries.filter(what=data["what"])
        if data["who"]:
            entries = entries.filter(Q(actor__email__icontains=data["who"]) | Q(actor_label__icontains=data["who"]))
        if data["start"]:
            entries = entries.filter(at__date__gte=data["start"])
        if data["end"]:
            entries = entries.filter(at__date__lte=data["end"])
    page = Paginator(entries.select_related("actor"), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "privacy/reads.html", {"form": form, "page": page, "query": query.urlencode()})


# --- Notices ---------------------------------------------------------------------------


def privacy_notice(request: HttpRequest) -> HttpResponse:
    return render(request, "privacy/notice.html", notices.context())


def privacy_notice_pdf(request: HttpRequest) -> HttpResponse:
    language = request.GET.get("lang") or translation.get_language() or "fi"
    response = HttpResponse(notices.notice_pdf(language), content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="kaikukortti-privacy-notice.pdf"'
    return response


def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "privacy/accessibility.html", notices.context())
