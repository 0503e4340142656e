"""The venue's use desk: type a number, see valid or not and why, record, undo.

Venue staff never see who holds a card: only the verdict, the card kind and
how many may come along.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kaiku.accounts.scopes import get_venue, request_scope
from kaiku.visits.forms import CheckForm, RecordForm, VoidForm
from kaiku.visits.models import Channel, Reason, Use
from kaiku.visits.services import UNDO_WINDOW, UseError, UseRequest, check_and_keep, check_card, record_use, void_use


def _recent(venue_id: int) -> list[Use]:
    return list(
        Use.objects.filter(venue_id=venue_id)
        .select_related("card", "offer")
        .only(
            "pk",
            "outcome",
            "reason",
            "forced",
            "children",
            "community_clients",
            "assistants",
            "scanned_at",
            "voided_at",
            "card__number",
            "card__kind",
            "typed_number",
            "offer__title_fi",
            "offer__title_sv",
            "offer__title_en",
            "received_at",
            "recorded_by_id",
        )
        .order_by("-received_at")[:15]
    )


def _may_undo(request: HttpRequest, site_id: int, use: Use) -> bool:
    """Staff undo their own uses; the venue admin any use at the venue (both only briefly)."""
    return use.recorded_by_id == request.user.pk or site_id in request_scope(request).venue_admin_ids


@never_cache  # card numbers and verdicts: never kept by a browser or proxy
@login_required
def venue(request: HttpRequest, venue_id: int) -> HttpResponse:
    site = get_venue(request, venue_id)
    # The latest uses are read only when the page is rendered, not on a successful
    # record (which redirects): this keeps the door's hot path to the record itself.
    context: dict[str, object] = {"venue": site}
    if request.method == "POST" and request.POST.get("step") == "check":
        form = CheckForm(request.POST)
        context["check_form"] = form
        if form.is_valid():
            check = check_and_keep(form.cleaned_data["number"], site, channel=Channel.TYPED, recorded_by=request.user)
            context["check"] = check
            context["reason_text"] = Reason(check.reason).label if check.reason else ""
            if check.valid and check.card is not None:
                context["record_form"] = RecordForm(
                    initial={"number": check.card.number}, venue=site, community=check.card.is_community
                )
    elif request.method == "POST" and request.POST.get("step") == "record":
        record_form = RecordForm(request.POST, venue=site)
        if record_form.is_valid():
            data = record_form.cleaned_data
            try:
                result = record_use(
                    UseRequest(
                        venue=site,
                        number=data["number"],
                        channel=Channel.TYPED,
                        idempotency_key=data["idempotency_key"],
                        recorded_by=request.user,
                        children=data["children"],
                        community_clients=data["community_clients"],
                        assistants=data["assistants"],
                        offer=data.get("offer"),
                        occurrence=data.get("occurrence"),
                        sector=data["sector"],
                        override_reason=data.get("override_reason") or "",
                    )
                )
            except UseError:
                raise Http404 from None
            if result.accepted:
                messages.success(request, _("Use recorded. Welcome!"))
                return redirect("visits:venue", site.pk)
            check = check_card(data["number"], site)
            context["check"] = check
            context["refused_reason"] = Reason(result.reason).label
            context["record_form"] = RecordForm(
                initial={"number": data["number"]},
                venue=site,
                community=check.card.is_community if check.card is not None else None,
            )
        else:
            record_form.load_choices()
            context["record_form"] = record_form
    context.setdefault("check_form", CheckForm())
    recent = _recent(site.pk)
    since = timezone.now() - UNDO_WINDOW
    context["recent"] = recent
    context["undoable"] = undoable = {
        use.pk
        for use in recent
        if use.voided_at is None and use.accepted and use.received_at >= since and _may_undo(request, site.pk, use)
    }
    # Past the undo window the venue admin voids a use with a reason: a link from the list.
    is_admin = site.pk in request_scope(request).venue_admin_ids
    context["voidable"] = {
        use.pk for use in recent if is_admin and use.voided_at is None and use.accepted and use.pk not in undoable
    }
    context["today"] = timezone.localdate()
    return render(request, "visits/venue.html", context)


@never_cache
@login_required
def void(request: HttpRequest, venue_id: int, pk: int) -> HttpResponse:
    site = get_venue(request, venue_id)
    try:
        use = Use.objects.get(pk=pk, venue=site)
    except Use.DoesNotExist:
        raise Http404 from None
    scope = request_scope(request)
    recent = timezone.now() - use.received_at <= UNDO_WINDOW
    # Staff undo within the window; afterwards the venue admin voids with a reason.
    may_void = recent or site.pk in scope.venue_admin_ids
    form = VoidForm(request.POST or None, initial={"reason": _("Recorded by mistake") if recent else ""})
    if request.method == "POST":
        if not may_void:
            messages.error(request, _("Only the venue admin can void a use after two minutes."))
            return redirect("visits:venue", site.pk)
        if form.is_valid():
            void_use(use, form.cleaned_data["reason"], request.user)
            messages.success(request, _("The use is voided."))
            return redirect("visits:venue", site.pk)
    return render(request, "visits/void.html", {"venue": site, "use": use, "form": form, "may_void": may_void})


@login_required
@require_POST
def undo(request: HttpRequest, venue_id: int, pk: int) -> HttpResponse:
    """One-tap undo of a use recorded in the last two minutes."""
    site = get_venue(request, venue_id)
    try:
        use = Use.objects.get(pk=pk, venue=site)
    except Use.DoesNotExist:
        raise Http404 from None
    if not _may_undo(request, site.pk, use):
        messages.error(request, _("Only the person who recorded a use can undo it. The venue admin can void it."))
        return redirect("visits:venue", site.pk)
    if timezone.now() - use.received_at > UNDO_WINDOW:
        messages.error(request, _("The two minutes to undo have passed. Void the use with a reason instead."))
        return redirect("visits:void", site.pk, use.pk)
    void_use(use, _("Undone at the door"), request.user)
    messages.success(request, _("Undone."))
    return redirect("visits:venue", site.pk)
