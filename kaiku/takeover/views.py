"""The national admin's migration pages: the import, the site mapping, the published yearly rows."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from kaiku.accounts.scopes import require_national
from kaiku.network.models import Site
from kaiku.takeover import imports, services
from kaiku.takeover.forms import MappingForm, PublishedYearForm, UploadForm
from kaiku.takeover.models import PublishedYear, SiteMapping, TakeoverRun
from kaiku.takeover.reading import PAGE_MAX_BYTES, ExportError, read_export


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    """Upload an export: a dry run shows the summary and errors; an import writes all or nothing."""
    require_national(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    summary = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > PAGE_MAX_BYTES:
                raise ExportError("too_large", mb=PAGE_MAX_BYTES // (1024 * 1024))
            export = read_export(upload.read(PAGE_MAX_BYTES + 1), PAGE_MAX_BYTES)
            importer = imports.IMPORTERS[form.cleaned_data["kind"]]
            summary = importer(
                export, filename=upload.name or "", actor=request.user, commit=form.cleaned_data["commit"]
            )
        except ExportError as exc:
            form.add_error("file", exc.message)
        if summary is not None and summary.committed:
            messages.success(
                request,
                _("Imported: %(created)s new, %(updated)s updated, %(unchanged)s unchanged.")
                % {"created": summary.created, "updated": summary.updated, "unchanged": summary.unchanged},
            )
    context = {
        "form": form,
        "summary": summary,
        "runs": TakeoverRun.objects.all()[:20],
        "unmatched": SiteMapping.objects.filter(site__isnull=True).count(),
        "columns": imports.COLUMNS,
        "kinds": TakeoverRun.Kind,
    }
    return _no_store(render(request, "takeover/index.html", context))


@login_required
@require_http_methods(["GET", "POST"])
def mapping(request: HttpRequest) -> HttpResponse:
    """Each name or identifier from the exports and the Kaiku site it maps to; the unmatched first."""
    require_national(request)
    if request.method == "POST":
        form = MappingForm(request.POST)
        if form.is_valid():
            imports.map_site(form.cleaned_data["mapping"], form.cleaned_data["site"], request.user)
            messages.success(request, _("Mapping saved."))
            return redirect("takeover:mapping")
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    rows = list(SiteMapping.objects.select_related("site").order_by("site_id", "kind", "key")[:2000])
    rows.sort(key=lambda m: (m.site_id is not None, m.kind, m.key))
    sites = {kind: list(_sites(kind)) for kind in (SiteMapping.Kind.DISTRIBUTOR, SiteMapping.Kind.VENUE)}
    return render(request, "takeover/mapping.html", {"rows": rows, "sites": sites})


def _sites(kind: str) -> QuerySet[Site]:
    return Site.objects.filter(kind=kind, offboarded_at__isnull=True).select_related("area").order_by("name")


@login_required
@require_http_methods(["GET", "POST"])
def published(request: HttpRequest) -> HttpResponse:
    """The published yearly rows: a year entered again replaces its row."""
    require_national(request)
    instance = None
    if request.method == "POST":
        year = request.POST.get("year", "")
        if year.isdigit() and len(year) == 4:
            instance = PublishedYear.objects.filter(year=int(year)).first()
    form = PublishedYearForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_published(form.instance, request.user)
        except services.PublishedError as exc:
            form.add_error("total" if exc.code == "total_mismatch" else "year", exc.message)
        else:
            messages.success(request, _("Published row saved."))
            return redirect("takeover:published")
    return render(request, "takeover/published.html", {"form": form, "rows": PublishedYear.objects.all()})


@login_required
@require_POST
def published_delete(request: HttpRequest, pk: int) -> HttpResponse:
    require_national(request)
    services.delete_published(get_object_or_404(PublishedYear, pk=pk), request.user)
    messages.success(request, _("Published row removed."))
    return redirect("takeover:published")
