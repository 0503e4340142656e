"""The venue's use desk: type a number, see valid or not and why, record, undo.

Venue staff never see who holds a card: only the verdict, the card kind and
how many may come along.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kaiku.accounts.scopes import get_venue, request_scope
from kaiku.network.models import Site
from kaiku.visits import imports
from kaiku.visits.forms import CheckForm, RecordForm, RejectHeldForm, UsesUploadForm, VoidForm
from kaiku.visits.models import Channel, HeldUse, Reason, Use
from kaiku.visits.services import (
    UNDO_WINDOW,
    ReviewError,
    UseError,
    accept_held,
    check_and_keep,
    check_card,
    may_undo,
    record_use,
    reject_held,
    undo_own_use,
    use_request,
    void_use,
)
from kaiku.web.import_pages import import_page
from kaiku.web.models import ImportRecord


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
            "venue_id",
        )
        .order_by("-received_at")[:15]
    )


# The desk's record step reads its venue's row (and area) from the cache this long: the
# look-up was a tenth of recording a use (issue 21). Who may record is checked on every
# request; a change to the venue itself (leaving the network) reaches the desk within this.
DESK_VENUE_SECONDS = 30


def _recording_venue(request: HttpRequest, venue_id: int) -> Site:
    if venue_id not in request_scope(request).venue_ids:
        raise Http404
    key = f"desk-venue:{venue_id}"
    site: Site | None = cache.get(key)
    if site is None:
        site = get_venue(request, venue_id)
        cache.set(key, site, DESK_VENUE_SECONDS)
    return site


@never_cache  # card numbers and verdicts: never kept by a browser or proxy
@login_required
def venue(request: HttpRequest, venue_id: int) -> HttpResponse:
    recording = request.method == "POST" and request.POST.get("step") == "record"
    site = _recording_venue(request, venue_id) if recording else get_venue(request, venue_id)
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
    elif recording:
        record_form = RecordForm(request.POST, venue=site)
        if record_form.is_valid():
            data = record_form.cleaned_data
            try:
                result = record_use(use_request(site, data, channel=Channel.TYPED, recorded_by=request.user))
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
        if use.voided_at is None and use.accepted and use.received_at >= since and may_undo(use, request.user)
    }
    # Past the undo window the venue admin voids a use with a reason: a link from the list.
    is_admin = site.pk in request_scope(request).venue_admin_ids
    context["voidable"] = {
        use.pk for use in recent if is_admin and use.voided_at is None and use.accepted and use.pk not in undoable
    }
    if is_admin:
        context["held_count"] = HeldUse.objects.filter(venue=site, status=HeldUse.Status.PENDING).count()
    context["today"] = timezone.localdate()
    return render(request, "visits/venue.html", context)


@never_cache
@login_required
def void(request: HttpRequest, venue_id: int, pk: int) -> HttpResponse:
    site = get_venue(request, venue_id)
    use = get_object_or_404(Use, pk=pk, venue=site)
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
    use = get_object_or_404(Use, pk=pk, venue=site)
    try:
        undo_own_use(use, str(_("Undone at the door")), request.user)
    except UseError as exc:
        if exc.code == "not_yours_to_undo":
            messages.error(request, _("Only the person who recorded a use can undo it. The venue admin can void it."))
            return redirect("visits:venue", site.pk)
        messages.error(request, _("The two minutes to undo have passed. Void the use with a reason instead."))
        return redirect("visits:void", site.pk, use.pk)
    messages.success(request, _("Undone."))
    return redirect("visits:venue", site.pk)


# --- The review list: uses whose device time the register does not trust ------------------

REVIEW_LIST_SIZE = 100


def _admin_venue(request: HttpRequest, venue_id: int) -> Site:
    """A venue the user staffs (404 otherwise); the review list is its admin's (403 for staff)."""
    site = get_venue(request, venue_id)
    if site.pk not in request_scope(request).venue_admin_ids:
        raise PermissionDenied
    return site


@never_cache
@login_required
def review(request: HttpRequest, venue_id: int) -> HttpResponse:
    site = _admin_venue(request, venue_id)
    held = HeldUse.objects.filter(venue=site)
    context = {
        "venue": site,
        "pending": list(held.filter(status=HeldUse.Status.PENDING).order_by("scanned_at", "pk")[:REVIEW_LIST_SIZE]),
        "decided": list(held.exclude(status=HeldUse.Status.PENDING).order_by("-decided_at", "-pk")[:20]),
        "form": RejectHeldForm(),
    }
    return render(request, "visits/review.html", context)


@login_required
@require_POST
def review_accept(request: HttpRequest, venue_id: int, pk: int) -> HttpResponse:
    site = _admin_venue(request, venue_id)
    try:
        result = accept_held(get_object_or_404(HeldUse, venue=site, pk=pk), request.user)
    except ReviewError as exc:
        messages.error(request, exc.message)
    else:
        if result.accepted:
            messages.success(request, _("The use is recorded with the device's time."))
        else:
            messages.warning(
                request,
                _("Recorded as refused: %(reason)s") % {"reason": Reason(result.reason).label},
            )
    return redirect("visits:review", site.pk)


@never_cache
@login_required
def review_reject(request: HttpRequest, venue_id: int, pk: int) -> HttpResponse:
    site = _admin_venue(request, venue_id)
    held = get_object_or_404(HeldUse, venue=site, pk=pk)
    form = RejectHeldForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            reject_held(held, form.cleaned_data["reason"], request.user)
        except ReviewError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The use is rejected: nothing was recorded."))
        return redirect("visits:review", site.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "visits/review_reject.html", {"venue": site, "held": held, "form": form}, status=status)


@login_required
def import_uses(request: HttpRequest, venue_id: int) -> HttpResponse:
    """Uses recorded offline, from a spreadsheet: the venue's staff or its area's coordinators."""
    scope = request_scope(request)
    venue = Site.objects.select_related("area").filter(pk=venue_id, kind=Site.Kind.VENUE).first()
    if venue is None or not (venue_id in scope.venue_ids or scope.can_coordinate(venue.area_id)):
        raise Http404
    title = _("Import uses recorded offline")
    return import_page(request, ImportRecord.Kind.USES, imports.import_uses, venue, title, form_class=UsesUploadForm)
