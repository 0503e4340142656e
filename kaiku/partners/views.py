"""The partner's hub, API keys and the ticket agencies a venue authorises.

Views are thin: a scoped fetch (404 outside the user's scope), a form, a service.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kaiku.accounts.scopes import get_area, get_venue, request_scope
from kaiku.network.models import GuidelineVersion, Site
from kaiku.network.onboarding import partner_sites
from kaiku.partners import services
from kaiku.partners.forms import ApiKeyForm, GrantAgencyForm
from kaiku.partners.models import AgencyAuthorisation, ApiKey


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The partner's hub: for each of the user's sites and areas, what onboarding asks of them."""
    scope = request_scope(request)
    if not scope.is_staff_member:
        raise PermissionDenied
    site_ids = scope.venue_ids | scope.distributor_site_ids
    sites = list(Site.objects.filter(pk__in=site_ids).select_related("area").order_by("name"))
    guideline = GuidelineVersion.objects.current()
    acknowledged = (
        set(partner_sites().filter(pk__in=site_ids, acknowledgements__version=guideline).values_list("pk", flat=True))
        if guideline
        else set()
    )
    rows = [
        {
            "site": s,
            "admin": s.pk in scope.venue_admin_ids or s.pk in scope.distributor_site_ids,
            "venue_admin": s.pk in scope.venue_admin_ids,
            "acknowledged": guideline is None or s.pk in acknowledged,
        }
        for s in sites
    ]
    return render(
        request, "partners/home.html", {"rows": rows, "areas": scope.areas(), "guideline": guideline, "scope": scope}
    )


# --- API keys and agency authorisations --------------------------------------------------


@login_required
def api_keys(request: HttpRequest, pk: int) -> HttpResponse:
    area = get_area(request, pk)
    sites = Site.objects.filter(area=area, offboarded_at__isnull=True, kind__in=[Site.Kind.AGENCY, Site.Kind.VENUE])
    form = ApiKeyForm(request.POST or None, sites=sites)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            new = services.create_api_key(d["site"], d["label"], d["scopes"], request.user, rate_limit=d["rate_limit"])
            new_secret = new.secret
            form = ApiKeyForm(sites=sites)
        except services.PartnerError as exc:
            form.add_error(None, exc.message)
    keys = ApiKey.objects.filter(site__area=area).select_related("site")
    response = render(
        request, "partners/api_keys.html", {"area": area, "form": form, "keys": keys, "new_secret": new_secret}
    )
    # The secret is on this page once: never cache it.
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def api_key_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    key = ApiKey.objects.select_related("site__area").filter(pk=pk).first()
    if key is None or not request_scope(request).can_coordinate(key.site.area_id):
        raise Http404
    services.revoke_api_key(key, request.user)
    messages.success(request, _("The key has been revoked."))
    return redirect("partners:api_keys", pk=key.site.area_id)


@login_required
def agencies(request: HttpRequest, pk: int) -> HttpResponse:
    venue = get_venue(request, pk, admin=True)
    form = GrantAgencyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.grant_agency(venue, form.cleaned_data["agency"], request.user)
            messages.success(request, _("The ticket agency may now check cards and record uses for this venue."))
            return redirect("partners:agencies", pk=venue.pk)
        except services.PartnerError as exc:
            form.add_error(None, exc.message)
    grants = AgencyAuthorisation.objects.filter(venue=venue).select_related("agency", "granted_by")
    return render(request, "partners/agencies.html", {"venue": venue, "form": form, "grants": grants})


@login_required
@require_POST
def agency_withdraw(request: HttpRequest, pk: int, grant: int) -> HttpResponse:
    venue = get_venue(request, pk, admin=True)
    auth = AgencyAuthorisation.objects.select_related("agency", "venue__area").filter(pk=grant, venue=venue).first()
    if auth is None:
        raise Http404
    services.withdraw_agency(auth, request.user)
    messages.success(request, _("Authorisation withdrawn."))
    return redirect("partners:agencies", pk=venue.pk)
