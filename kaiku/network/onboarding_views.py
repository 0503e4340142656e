"""Area onboarding: areas, checklists, partners joining and leaving, invitations, the guideline,
the sites import, materials and the pilot report.

The URLs keep their ``/partners/`` paths from when this lived in the partners app.
Views are thin: a scoped fetch (404 outside the user's scope), a form, a service.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kaiku.accounts.models import Role, RoleAssignment
from kaiku.accounts.scopes import get_area, get_venue, request_scope, require_national
from kaiku.network import materials
from kaiku.network import onboarding as services
from kaiku.network.forms import (
    AcceptForm,
    AreaForm,
    AreaStatusForm,
    ChecklistForm,
    GuidelineForm,
    InvitationForm,
    OffboardForm,
    SiteForm,
    StaffInvitationForm,
)
from kaiku.network.imports import SITE_COLUMNS
from kaiku.network.imports import import_sites as run_sites_import
from kaiku.network.models import Area, AreaStatusChange, GuidelineVersion, Invitation, Site
from kaiku.privacy.models import ReadEntry
from kaiku.privacy.services import record_read
from kaiku.web import spreadsheets
from kaiku.web.import_pages import import_page
from kaiku.web.models import ImportRecord

# --- Scoped fetches ----------------------------------------------------------------------


def _coordinated_site(request: HttpRequest, pk: int) -> Site:
    site = Site.objects.select_related("area").filter(pk=pk).first()
    if site is None or not request_scope(request).can_coordinate(site.area_id):
        raise Http404
    return site


def _administered_site(request: HttpRequest, pk: int) -> Site:
    """A site whose guideline commitment this user gives: its venue admin or distributor staff."""
    scope = request_scope(request)
    if pk not in scope.venue_admin_ids and pk not in scope.distributor_site_ids:
        raise Http404
    return Site.objects.select_related("area").get(pk=pk)


def _area_sites(area: Area) -> QuerySet[Site]:
    return Site.objects.filter(area=area).select_related("municipality").order_by("kind", "name")


# --- Areas and onboarding ------------------------------------------------------------------


@login_required
def area_create(request: HttpRequest) -> HttpResponse:
    require_national(request)
    form = AreaForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        area = services.create_area(form.save(commit=False), request.user)
        messages.success(request, _("Area created in planning."))
        return redirect("onboarding:onboarding", pk=area.pk)
    return render(request, "onboarding/area_form.html", {"form": form})


@login_required
def onboarding(request: HttpRequest, pk: int) -> HttpResponse:
    area = get_area(request, pk)
    sites = _area_sites(area)
    return render(
        request,
        "onboarding/onboarding.html",
        {
            "area": area,
            "checklist": services.checklist(area),
            "status_form": AreaStatusForm(
                initial={"pilot_start": area.pilot_start, "pilot_end": area.pilot_end}, area=area
            ),
            "history": AreaStatusChange.objects.filter(area=area).select_related("changed_by"),
            "guideline": GuidelineVersion.objects.current(),
            "not_acknowledged": services.not_acknowledged(sites),
            "sites": sites,
            "imports": ImportRecord.objects.filter(area=area)[:10],
            "coordinators": RoleAssignment.objects.filter(area=area, role=Role.AREA_COORDINATOR).select_related("user"),
        },
    )


@login_required
@require_POST
def checklist(request: HttpRequest, pk: int) -> HttpResponse:
    area = get_area(request, pk)
    form = ChecklistForm(request.POST)
    if form.is_valid():
        services.set_checklist_item(area, form.cleaned_data["item"], form.cleaned_data["done"], request.user)
        messages.success(request, _("Checklist updated."))
    return redirect("onboarding:onboarding", pk=area.pk)


@login_required
@require_POST
def area_status(request: HttpRequest, pk: int) -> HttpResponse:
    area = get_area(request, pk)
    form = AreaStatusForm(request.POST, area=area)
    if form.is_valid():
        try:
            services.change_area_status(
                area,
                form.cleaned_data["status"],
                request.user,
                pilot_start=form.cleaned_data["pilot_start"],
                pilot_end=form.cleaned_data["pilot_end"],
            )
            messages.success(request, _("Status changed."))
        except services.OnboardingError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, _("Check the status and the dates."))
    return redirect("onboarding:onboarding", pk=area.pk)


@login_required
def site_create(request: HttpRequest, pk: int) -> HttpResponse:
    area = get_area(request, pk)
    form = SiteForm(request.POST or None, area=area)
    if request.method == "POST" and form.is_valid():
        services.create_site(form.save(commit=False), request.user)
        messages.success(request, _("Partner added."))
        return redirect("onboarding:onboarding", pk=area.pk)
    return render(request, "onboarding/site_form.html", {"form": form, "area": area})


@login_required
@require_POST
def site_offboard(request: HttpRequest, pk: int) -> HttpResponse:
    site = _coordinated_site(request, pk)
    form = OffboardForm(request.POST)
    form.is_valid()
    try:
        services.offboard_site(site, request.user, form.cleaned_data.get("reason", ""))
        messages.success(
            request, _("%(site)s has left the network. Its history and statistics are kept.") % {"site": site}
        )
    except services.OnboardingError as exc:
        messages.error(request, exc.message)
    return redirect("onboarding:onboarding", pk=site.area_id)


# --- Invitations -------------------------------------------------------------------------


def _invite(request: HttpRequest, form: InvitationForm | StaffInvitationForm, site: Site) -> bool:
    """Send the invitation the form asks for (as staff unless it names a kind); False with the
    reason on the form when a rule says no."""
    email = form.cleaned_data["email"]
    kind = form.cleaned_data.get("kind", Invitation.Kind.STAFF)
    try:
        services.invite(site, email, kind, request.user, base_url=request.build_absolute_uri("/"))
    except services.OnboardingError as exc:
        form.add_error(None, exc.message)
        return False
    messages.success(request, _("Invitation sent to %(email)s.") % {"email": email})
    return True


@login_required
def invitations(request: HttpRequest, pk: int) -> HttpResponse:
    area = get_area(request, pk)
    sites = Site.objects.filter(area=area, offboarded_at__isnull=True).exclude(kind=Site.Kind.AGENCY)
    form = InvitationForm(request.POST or None, sites=sites)
    if request.method == "POST" and form.is_valid() and _invite(request, form, form.cleaned_data["site"]):
        return redirect("onboarding:invitations", pk=area.pk)
    listed = Invitation.objects.filter(site__area=area).select_related("site", "accepted_by")[:100]
    return render(request, "onboarding/invitations.html", {"area": area, "form": form, "invitations": listed})


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = Invitation.objects.select_related("site__area").filter(pk=pk).first()
    if invitation is None:
        raise Http404
    scope = request_scope(request)
    if not (scope.can_coordinate(invitation.site.area_id) or invitation.site_id in scope.venue_admin_ids):
        raise Http404
    services.revoke_invitation(invitation, request.user)
    messages.success(request, _("Invitation withdrawn."))
    if scope.can_coordinate(invitation.site.area_id):
        return redirect("onboarding:invitations", pk=invitation.site.area_id)
    return redirect("onboarding:venue_staff", pk=invitation.site_id)


@login_required
def venue_staff(request: HttpRequest, pk: int) -> HttpResponse:
    """A venue admin invites the venue's staff."""
    venue = get_venue(request, pk, admin=True)
    form = StaffInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _invite(request, form, venue):
        return redirect("onboarding:venue_staff", pk=venue.pk)
    listed = Invitation.objects.filter(site=venue).select_related("accepted_by")[:100]
    return render(request, "onboarding/venue_staff.html", {"venue": venue, "form": form, "invitations": listed})


def accept(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = services.open_invitation(token)
    except services.OnboardingError as exc:
        return render(
            request,
            "onboarding/accept_closed.html",
            {"message": exc.message},
            status=410 if exc.code != "invitation_invalid" else 404,
        )
    guideline = GuidelineVersion.objects.current()
    existing = services.existing_account(invitation) is not None
    form = AcceptForm(request.POST or None, invitation=invitation, guideline=guideline, existing=existing)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            user = services.accept_invitation(
                token,
                services.Acceptance(
                    full_name=d.get("full_name", ""),
                    password=d["password"],
                    contact_name=d.get("contact_name", ""),
                    contact_email=d.get("contact_email", ""),
                    acknowledge=bool(d.get("acknowledge")),
                ),
            )
        except services.OnboardingError as exc:
            form.add_error(None, exc.message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome to Kaikukortti."))
            return redirect("web:home")
    return render(
        request,
        "onboarding/accept.html",
        {"invitation": invitation, "form": form, "guideline": guideline, "existing": existing},
    )


# --- The national guideline --------------------------------------------------------------


@login_required
def guidelines(request: HttpRequest) -> HttpResponse:
    require_national(request)
    form = GuidelineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        services.publish_guideline(d["version"], d["summary"], d["url"], request.user)
        messages.success(request, _("Guideline published. Every partner is asked to acknowledge it."))
        return redirect("onboarding:guidelines")
    versions = GuidelineVersion.objects.all()
    current = versions.first()
    pending = services.not_acknowledged(Site.objects.all()).select_related("area") if current else []
    return render(
        request,
        "onboarding/guidelines.html",
        {"form": form, "versions": versions, "current": current, "pending": pending},
    )


@login_required
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    site = _administered_site(request, pk)
    guideline = GuidelineVersion.objects.current()
    if guideline is None:
        raise Http404
    done = services.has_acknowledged_current(site)
    if request.method == "POST" and not done:
        if request.POST.get("acknowledge"):
            services.acknowledge(site, guideline, request.user)
            messages.success(request, _("Thank you: the guideline is acknowledged."))
            return redirect("onboarding:acknowledge", pk=site.pk)
        messages.error(request, _("Tick the box to acknowledge the guideline."))
    return render(request, "onboarding/acknowledge.html", {"site": site, "guideline": guideline, "done": done})


# --- The sites import and export ------------------------------------------------------


@login_required
def import_sites(request: HttpRequest, pk: int) -> HttpResponse:
    area, title, back = get_area(request, pk), _("Import sites and venues"), reverse("onboarding:onboarding", args=[pk])
    return import_page(request, ImportRecord.Kind.SITES, run_sites_import, area, title, back)


@login_required
def site_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The area's partners in the import template's columns (cells escaped against formulas)."""
    area = get_area(request, pk)
    columns = SITE_COLUMNS
    rows = [
        [
            s.kind,
            s.name,
            s.organisation,
            s.municipality.code if s.municipality else "",
            s.sector,
            s.address,
            s.website,
            s.contact_name,
            s.contact_email,
        ]
        for s in _area_sites(area)
    ]
    sheet = spreadsheets.Sheet(area.name, [[str(c.label) for c in columns], *rows])
    return spreadsheets.xlsx_response([sheet], f"kaikukortti-{area.slug}-sites")


# --- Materials and the pilot report ------------------------------------------------------


def _public_area(request: HttpRequest, pk: int) -> Area:
    area = Area.objects.filter(pk=pk).first()
    if area is None:
        raise Http404
    if not area.in_network and not request_scope(request).can_coordinate(area.pk):
        raise Http404  # a planned area is previewed by its coordinators only
    return area


def _language(request: HttpRequest) -> str:
    lang = request.GET.get("lang", "")
    return lang if lang in ("fi", "sv", "en") else (translation.get_language() or "fi")[:2]


def area_page(request: HttpRequest, pk: int) -> HttpResponse:
    area = _public_area(request, pk)
    return render(request, "onboarding/area_page.html", materials.brochure_context(area))


def brochure(request: HttpRequest, pk: int) -> HttpResponse:
    area = _public_area(request, pk)
    lang = _language(request)
    with translation.override(lang):
        pdf = materials.brochure_pdf(area, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="kaikukortti-{area.slug}-{lang}.pdf"'
    return response


@login_required
def pilot_report(request: HttpRequest, pk: int) -> HttpResponse:
    area = get_area(request, pk)
    scope = request_scope(request)
    pdf = materials.pilot_report_pdf(area, national=scope.national, base_url=request.build_absolute_uri("/"))
    if scope.national:  # unsuppressed: a read the national admin's log keeps
        record_read(request, ReadEntry.What.NATIONAL_VIEW, object_id=area.pk, detail="pilot report")
    response = HttpResponse(pdf, content_type="application/pdf")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'inline; filename="kaikukortti-{area.slug}-pilot-{stamp}.pdf"'
    return response
