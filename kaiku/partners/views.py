"""Onboarding, invitations, the guideline, imports, API keys, materials and the pilot report.

Views are thin: a scoped fetch (404 outside the user's scope), a form, a service.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kaiku.accounts.models import Role, RoleAssignment
from kaiku.accounts.scopes import get_area, get_distributor_site, get_venue, request_scope
from kaiku.cards.imports import REGISTRATION_COLUMNS
from kaiku.cards.imports import import_registrations as run_registrations_import
from kaiku.network.imports import SITE_COLUMNS
from kaiku.network.imports import import_sites as run_sites_import
from kaiku.network.models import Area, Site
from kaiku.partners import materials, services
from kaiku.partners.forms import (
    AcceptForm,
    ApiKeyForm,
    AreaForm,
    AreaStatusForm,
    ChecklistForm,
    GrantAgencyForm,
    GuidelineForm,
    InvitationForm,
    OffboardForm,
    SiteForm,
    StaffInvitationForm,
    UploadForm,
    UsesUploadForm,
)
from kaiku.partners.models import (
    AgencyAuthorisation,
    ApiKey,
    AreaStatusChange,
    GuidelineVersion,
    Invitation,
)
from kaiku.privacy.models import ReadEntry
from kaiku.privacy.services import record_read
from kaiku.visits.imports import USE_COLUMNS
from kaiku.visits.imports import import_uses as run_uses_import
from kaiku.web import imports, spreadsheets
from kaiku.web.models import Duplicates, ImportRecord
from kaiku.web.uploads import MAX_BYTES, SpreadsheetError, read_upload

# Each import's columns (the apps whose rows they write own them): the upload pages and templates.
COLUMNS = {
    ImportRecord.Kind.SITES: SITE_COLUMNS,
    ImportRecord.Kind.USES: USE_COLUMNS,
    ImportRecord.Kind.REGISTRATIONS: REGISTRATION_COLUMNS,
}

# Multipart boundaries and the other form fields around the file.
UPLOAD_OVERHEAD = 64 * 1024

# --- Scoped fetches ----------------------------------------------------------------------


def _national(request: HttpRequest) -> None:
    if not request_scope(request).national:
        raise PermissionDenied


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
    _national(request)
    form = AreaForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        area = services.create_area(form.save(commit=False), request.user)
        messages.success(request, _("Area created in planning."))
        return redirect("partners:onboarding", pk=area.pk)
    return render(request, "partners/area_form.html", {"form": form})


@login_required
def onboarding(request: HttpRequest, pk: int) -> HttpResponse:
    area = get_area(request, pk)
    sites = _area_sites(area)
    return render(
        request,
        "partners/onboarding.html",
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
    return redirect("partners:onboarding", pk=area.pk)


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
        except services.PartnerError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, _("Check the status and the dates."))
    return redirect("partners:onboarding", pk=area.pk)


@login_required
def site_create(request: HttpRequest, pk: int) -> HttpResponse:
    area = get_area(request, pk)
    form = SiteForm(request.POST or None, area=area)
    if request.method == "POST" and form.is_valid():
        services.create_site(form.save(commit=False), request.user)
        messages.success(request, _("Partner added."))
        return redirect("partners:onboarding", pk=area.pk)
    return render(request, "partners/site_form.html", {"form": form, "area": area})


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
    except services.PartnerError as exc:
        messages.error(request, exc.message)
    return redirect("partners:onboarding", pk=site.area_id)


# --- Invitations -------------------------------------------------------------------------


@login_required
def invitations(request: HttpRequest, pk: int) -> HttpResponse:
    area = get_area(request, pk)
    sites = Site.objects.filter(area=area, offboarded_at__isnull=True).exclude(kind=Site.Kind.AGENCY)
    form = InvitationForm(request.POST or None, sites=sites)
    if request.method == "POST" and form.is_valid():
        try:
            services.invite(
                form.cleaned_data["site"],
                form.cleaned_data["email"],
                form.cleaned_data["kind"],
                request.user,
                base_url=request.build_absolute_uri("/"),
            )
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]})
            return redirect("partners:invitations", pk=area.pk)
        except services.PartnerError as exc:
            form.add_error(None, exc.message)
    listed = Invitation.objects.filter(site__area=area).select_related("site", "accepted_by")[:100]
    return render(request, "partners/invitations.html", {"area": area, "form": form, "invitations": listed})


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
        return redirect("partners:invitations", pk=invitation.site.area_id)
    return redirect("partners:venue_staff", pk=invitation.site_id)


@login_required
def venue_staff(request: HttpRequest, pk: int) -> HttpResponse:
    """A venue admin invites the venue's staff."""
    venue = get_venue(request, pk, admin=True)
    form = StaffInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invite(
                venue,
                form.cleaned_data["email"],
                Invitation.Kind.STAFF,
                request.user,
                base_url=request.build_absolute_uri("/"),
            )
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]})
            return redirect("partners:venue_staff", pk=venue.pk)
        except services.PartnerError as exc:
            form.add_error(None, exc.message)
    listed = Invitation.objects.filter(site=venue).select_related("accepted_by")[:100]
    return render(request, "partners/venue_staff.html", {"venue": venue, "form": form, "invitations": listed})


def accept(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = services.open_invitation(token)
    except services.PartnerError as exc:
        return render(
            request,
            "partners/accept_closed.html",
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
        except services.PartnerError as exc:
            form.add_error(None, exc.message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome to Kaikukortti."))
            return redirect("web:home")
    return render(
        request,
        "partners/accept.html",
        {"invitation": invitation, "form": form, "guideline": guideline, "existing": existing},
    )


# --- The national guideline --------------------------------------------------------------


@login_required
def guidelines(request: HttpRequest) -> HttpResponse:
    _national(request)
    form = GuidelineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        services.publish_guideline(d["version"], d["summary"], d["url"], request.user)
        messages.success(request, _("Guideline published. Every partner is asked to acknowledge it."))
        return redirect("partners:guidelines")
    versions = GuidelineVersion.objects.all()
    current = versions.first()
    pending = services.not_acknowledged(Site.objects.all()).select_related("area") if current else []
    return render(
        request,
        "partners/guidelines.html",
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
            return redirect("partners:acknowledge", pk=site.pk)
        messages.error(request, _("Tick the box to acknowledge the guideline."))
    return render(request, "partners/acknowledge.html", {"site": site, "guideline": guideline, "done": done})


# --- Imports and templates ---------------------------------------------------------------


def _import_view(
    request: HttpRequest,
    kind: str,
    run: Any,
    context: dict[str, Any],
    back: str,
    form_class: type[UploadForm] = UploadForm,
) -> HttpResponse:
    """``run(table, filename, cleaned_data)`` imports the file or raises."""
    errors: list[imports.RowError] = []
    if request.method == "POST" and int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BYTES + UPLOAD_OVERHEAD:
        # Refuse before Django parses (and spools to disk) an oversized upload.
        form = form_class(data={})
        form.is_valid()
        form.errors["file"] = form.error_class([SpreadsheetError("too_large").message])
        return render(request, "partners/import.html", _import_context(kind, context, form, errors), status=400)
    form = form_class(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            table = read_upload(upload)
            result = run(table, upload.name, form.cleaned_data)
        except SpreadsheetError as exc:
            form.add_error("file", exc.message)
        except imports.ImportFailed as exc:
            errors = exc.errors
            form.add_error(None, _("Nothing was imported: fix the rows below and upload the file again."))
        else:
            messages.success(
                request,
                _("Imported %(created)s of %(rows)s rows (%(skipped)s were already imported).")
                % {"created": result.created, "rows": result.rows, "skipped": result.skipped},
            )
            if result.details.get("repeated"):
                messages.info(
                    request,
                    _("%(n)s rows repeated an earlier row: %(choice)s.")
                    % {
                        "n": result.details["repeated"],
                        "choice": Duplicates(form.cleaned_data.get("duplicates", "")).label,
                    },
                )
            if result.details.get("held"):
                messages.warning(
                    request,
                    _("%(held)s rows are older than two months: they wait for the venue admin's review.")
                    % {"held": result.details["held"]},
                )
            return redirect(back)
    status = 400 if request.method == "POST" else 200
    response = render(request, "partners/import.html", _import_context(kind, context, form, errors), status=status)
    # Row errors quote the file's values (a postal code, a card's state): never stored by a cache.
    add_never_cache_headers(response)
    return response


def _import_context(
    kind: str, context: dict[str, Any], form: UploadForm, errors: list[imports.RowError]
) -> dict[str, Any]:
    columns = COLUMNS[ImportRecord.Kind(kind)]
    return {
        **context,
        "form": form,
        "errors": errors[:500],
        "error_count": len(errors),
        "columns": columns,
        "kind": kind,
    }


@login_required
def import_sites(request: HttpRequest, pk: int) -> HttpResponse:
    area = get_area(request, pk)
    return _import_view(
        request,
        ImportRecord.Kind.SITES,
        lambda table, name, _data: run_sites_import(area, table, request.user, name),
        {"title": _("Import sites and venues"), "target": area},
        back=reverse("partners:onboarding", args=[area.pk]),
    )


@login_required
def import_uses(request: HttpRequest, pk: int) -> HttpResponse:
    scope = request_scope(request)
    venue = Site.objects.select_related("area").filter(pk=pk, kind=Site.Kind.VENUE).first()
    if venue is None or not (pk in scope.venue_ids or scope.can_coordinate(venue.area_id)):
        raise Http404
    return _import_view(
        request,
        ImportRecord.Kind.USES,
        lambda table, name, data: run_uses_import(venue, table, request.user, name, data["duplicates"]),
        {"title": _("Import uses recorded offline"), "target": venue},
        back=request.path,
        form_class=UsesUploadForm,
    )


@login_required
def import_registrations(request: HttpRequest, pk: int) -> HttpResponse:
    site = get_distributor_site(request, pk)
    return _import_view(
        request,
        ImportRecord.Kind.REGISTRATIONS,
        lambda table, name, _data: run_registrations_import(site, table, request.user, name),
        {"title": _("Import card registrations recorded offline"), "target": site},
        back=request.path,
    )


@login_required
def import_template(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    if not request_scope(request).is_staff_member:
        raise PermissionDenied
    try:
        columns = COLUMNS[ImportRecord.Kind(kind)]
    except ValueError:
        raise Http404 from None
    header = [str(c.label) for c in columns]
    name = f"kaikukortti-{kind}"
    if fmt == "csv":
        return spreadsheets.csv_response([header], name)
    if fmt == "xlsx":
        guide = [[str(c.label), _("required") if c.required else _("optional"), str(c.help)] for c in columns]
        return spreadsheets.xlsx_response(
            [
                spreadsheets.Sheet(_("Rows"), [header]),
                spreadsheets.Sheet(_("Instructions"), [[_("Column"), "", _("How to fill in")], *guide]),
            ],
            name,
        )
    raise Http404


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
    return render(request, "partners/area_page.html", materials.brochure_context(area))


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
        set(
            services.partner_sites()
            .filter(pk__in=site_ids, acknowledgements__version=guideline)
            .values_list("pk", flat=True)
        )
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
