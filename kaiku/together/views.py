from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kaiku.accounts.scopes import get_area, get_distributor_site, get_venue, request_scope
from kaiku.together import services
from kaiku.together.forms import BulletinForm, DeclineForm, GroupRequestForm, ProposeForm, RecordVisitForm
from kaiku.together.models import Bulletin, GroupRequest
from kaiku.together.partner_view import QUIET_DAYS, partner_rows
from kaiku.together.services import TogetherError
from kaiku.web.errors import details, submit

LIST_LIMIT = 200


def _newest(requests: QuerySet[GroupRequest], other_side: str) -> QuerySet[GroupRequest]:
    """A list page's requests: the newest first, at most LIST_LIMIT, with the other side's site."""
    return requests.select_related(other_side, "offer", "occurrence", "proposed_occurrence").order_by(
        "-created_at", "-pk"
    )[:LIST_LIMIT]


# --- The distributor site -----------------------------------------------------------------


@login_required
@require_GET
def site_requests(request: HttpRequest, site_id: int) -> HttpResponse:
    site = get_distributor_site(request, site_id)
    requests = _newest(GroupRequest.objects.filter(site=site), "venue")
    return render(request, "together/site_requests.html", {"site": site, "requests": requests})


@login_required
@require_http_methods(["GET", "POST"])
def site_request_new(request: HttpRequest, site_id: int) -> HttpResponse:
    site = get_distributor_site(request, site_id)
    initial = {}
    chosen = request.GET.get("occurrence", "")
    if chosen.isdigit() and len(chosen) < 12:
        initial["occurrence"] = int(chosen)
    form = GroupRequestForm(site, request.POST or None, initial=initial)
    if done := submit(
        request, form, lambda data: services.request_places(site, details(services.RequestDetails, data), request.user)
    ):
        messages.success(request, _("Your request was sent to the venue."))
        return redirect("together:site_request", site_id=site.pk, pk=done.result.pk)
    return render(request, "together/site_request_new.html", {"site": site, "form": form})


def _site_request(request: HttpRequest, site_id: int, pk: int) -> GroupRequest:
    site = get_distributor_site(request, site_id)
    group = (
        GroupRequest.objects.filter(site=site, pk=pk)
        .select_related("venue", "offer", "occurrence", "proposed_occurrence", "card", "site")
        .first()
    )
    if group is None:
        raise Http404
    return group


@login_required
@require_http_methods(["GET", "POST"])
def site_request(request: HttpRequest, site_id: int, pk: int) -> HttpResponse:
    group = _site_request(request, site_id, pk)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "withdraw":
                services.withdraw(group, request.user)
                messages.success(request, _("The request was withdrawn."))
            elif action == "accept_proposal":
                services.accept_proposal(group, request.user)
                messages.success(request, _("You took the proposed date; the places are held."))
            else:
                return HttpResponseBadRequest()
        except TogetherError as exc:
            messages.error(request, exc.message)
        return redirect("together:site_request", site_id=group.site_id, pk=group.pk)
    return render(request, "together/site_request.html", {"group": group, "site": group.site})


# --- The venue --------------------------------------------------------------------------------


@login_required
@require_GET
def venue_requests(request: HttpRequest, venue_id: int) -> HttpResponse:
    venue = get_venue(request, venue_id)
    requests = _newest(GroupRequest.objects.filter(venue=venue), "site")
    return render(request, "together/venue_requests.html", {"venue": venue, "requests": requests})


@login_required
@require_http_methods(["GET", "POST"])
def venue_request(request: HttpRequest, venue_id: int, pk: int) -> HttpResponse:
    venue = get_venue(request, venue_id)
    group = (
        GroupRequest.objects.filter(venue=venue, pk=pk)
        .select_related("site", "offer", "occurrence__offer", "proposed_occurrence", "card")
        .first()
    )
    if group is None:
        raise Http404
    action = request.POST.get("action", "") if request.method == "POST" else ""
    propose_form = ProposeForm(group, request.POST if action == "propose" else None)
    decline_form = DeclineForm(request.POST if action == "decline" else None)
    record_form = RecordVisitForm(
        group, request.POST if action == "record" else None, initial={"key": secrets.token_hex(8)}
    )
    if request.method == "POST":
        try:
            if action == "accept":
                services.accept(group, request.user)
                messages.success(request, _("Accepted: the places are held for the group."))
            elif action == "propose" and propose_form.is_valid():
                data = propose_form.cleaned_data
                services.propose(group, data["occurrence"], data.get("message") or "", request.user)
                messages.success(request, _("Your proposal was sent."))
            elif action == "decline" and decline_form.is_valid():
                services.decline(group, decline_form.cleaned_data["reason"], request.user)
                messages.success(request, _("The request was declined."))
            elif action == "record" and record_form.is_valid():
                data = record_form.cleaned_data
                services.record_visit(group, data["under_16"], data["key"], request.user)
                messages.success(request, _("The group's visit was recorded."))
            elif action not in ("accept", "propose", "decline", "record"):
                return HttpResponseBadRequest()
            else:
                # A form with errors: shown again with its messages, nothing changed.
                return _venue_page(request, group, propose_form, decline_form, record_form, status=400)
        except TogetherError as exc:
            messages.error(request, exc.message)
        return redirect("together:venue_request", venue_id=venue.pk, pk=group.pk)
    return _venue_page(request, group, propose_form, decline_form, record_form)


def _venue_page(
    request: HttpRequest,
    group: GroupRequest,
    propose_form: ProposeForm,
    decline_form: DeclineForm,
    record_form: RecordVisitForm,
    status: int = 200,
) -> HttpResponse:
    from kaiku.offers.services import places_left

    context = {
        "group": group,
        "venue": group.venue,
        "propose_form": propose_form,
        "decline_form": decline_form,
        "record_form": record_form,
        "places_left": places_left(group.occurrence),
        "community": group.card.is_community,
    }
    return render(request, "together/venue_request.html", context, status=status)


# --- Coordinators ---------------------------------------------------------------------------


@login_required
@require_GET
def area_partners(request: HttpRequest, area_id: int) -> HttpResponse:
    scope = request_scope(request)
    if not (scope.national or scope.coordinator_area_ids):
        raise PermissionDenied
    area = get_area(request, area_id)
    rows = partner_rows(area)
    quiet = sum(1 for row in rows if row.quiet)
    return render(
        request, "together/area_partners.html", {"area": area, "rows": rows, "quiet": quiet, "quiet_days": QUIET_DAYS}
    )


@login_required
@require_http_methods(["GET", "POST"])
def bulletins(request: HttpRequest) -> HttpResponse:
    scope = request_scope(request)
    if not (scope.national or scope.coordinator_area_ids):
        raise PermissionDenied
    areas = scope.areas()
    form = BulletinForm(areas, scope.national, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.post_bulletin(
                services.BulletinDetails(
                    area=data.get("area"),
                    audience=data["audience"],
                    title=data["title"],
                    body=data["body"],
                    by_email=data["by_email"],
                ),
                request.user,
                national=scope.national,
                area_ids=scope.coordinator_area_ids,
            )
        except TogetherError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The bulletin was posted."))
            return redirect("together:bulletins")
    posted = Bulletin.objects.select_related("area").order_by("-created_at", "-pk")
    if not scope.national:
        posted = posted.filter(area_id__in=scope.coordinator_area_ids)
    return render(request, "together/bulletins.html", {"form": form, "posted": posted[:50]})


@login_required
@require_POST
def bulletin_read(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = services.bulletins_for(request.user).filter(pk=pk).first()
    if bulletin is None:
        raise Http404
    services.mark_read(bulletin, request.user)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = ""
    return redirect(target or "web:home")
