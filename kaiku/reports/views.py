"""Reports pages: population figures, per-1,000 comparisons, demand, the venue's year and its certificate."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kaiku.accounts.scopes import get_area, request_scope
from kaiku.network.models import Area, NationalSettings, Site
from kaiku.reports import demand as demand_signals
from kaiku.reports import rates, venue_year
from kaiku.reports.forms import PopulationUploadForm, YearForm
from kaiku.reports.models import Population
from kaiku.reports.municipalities import SOURCE as MUNICIPALITY_SOURCE
from kaiku.reports.population import PopulationError, upload_population
from kaiku.stats.suppression import HIDDEN_NOTE, small_label

LANGUAGES = ("fi", "sv", "en")


def threshold() -> int:
    return NationalSettings.get().small_count_threshold


def _suppression_note(k: int | None) -> list[str]:
    if k is None:
        return []
    return [
        _("Counts from 1 to %(n)s are shown as %(label)s.") % {"n": k - 1, "label": small_label(k)},
        str(HIDDEN_NOTE),
    ]


def _national(request: HttpRequest) -> None:
    if not request_scope(request).national:
        raise PermissionDenied


def _venue(request: HttpRequest, venue_id: int) -> Site:
    """A venue the user staffs, or one in an area the user coordinates; 404 otherwise."""
    scope = request_scope(request)
    site = Site.objects.select_related("area").filter(pk=venue_id, kind=Site.Kind.VENUE).first()
    if site is None or not (site.pk in scope.venue_ids or scope.can_coordinate(site.area_id)):
        raise Http404
    return site


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    scope = request_scope(request)
    areas = Area.objects.all() if scope.national else Area.objects.filter(pk__in=scope.coordinator_area_ids)
    venues = Site.objects.venues().filter(pk__in=scope.venue_ids)
    return render(
        request,
        "reports/index.html",
        {"national": scope.national, "areas": list(areas), "venues": list(venues)},
    )


@login_required
def population(request: HttpRequest) -> HttpResponse:
    """The national admin uploads a year's population figures (all or nothing)."""
    _national(request)
    form = PopulationUploadForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        year = form.cleaned_data["year"]
        try:
            uploaded = upload_population(form.cleaned_data["file"], year, request.user)
        except PopulationError as exc:
            form.add_error(None, exc.message)
            errors = exc.errors
        else:
            messages.success(
                request,
                _("Population figures for %(year)s saved for %(count)s municipalities.")
                % {"year": uploaded.year, "count": uploaded.municipalities},
            )
            return redirect("reports:population")
    years = Population.objects.values("year").annotate(n=Count("id")).order_by("-year")
    return render(
        request,
        "reports/population.html",
        {"form": form, "row_errors": errors[:50], "more_errors": max(0, len(errors) - 50), "years": list(years)},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def area_population(request: HttpRequest, area_id: int) -> HttpResponse:
    """Cards and uses per 1,000 residents, comparing the area's member municipalities."""
    area = get_area(request, area_id)
    form = YearForm(request.GET, default=timezone.localdate().year - 1)
    year = form.chosen_year
    k = threshold()
    return render(
        request,
        "reports/area_population.html",
        {
            "area": area,
            "form": form,
            "comparison": rates.area_comparison(area, year, k),
            "definitions": rates.DEFINITIONS,
            "notes": _suppression_note(k),
        },
    )


@login_required
@require_GET
def demand(request: HttpRequest) -> HttpResponse:
    """Registrations asked for from municipalities outside the network, by month (national admin)."""
    _national(request)
    months, rows = demand_signals.demand_by_municipality()
    table = [(row, [row.by_month.get(m, 0) for m in months]) for row in rows]
    return render(request, "reports/demand.html", {"months": months, "rows": table, "source": MUNICIPALITY_SOURCE})


@login_required
@require_GET
def venue_year_view(request: HttpRequest, venue_id: int) -> HttpResponse:
    venue = _venue(request, venue_id)
    form = YearForm(request.GET)
    k = threshold()
    report = venue_year.venue_year(venue, form.chosen_year, k)
    return render(
        request,
        "reports/venue_year.html",
        {
            "venue": venue,
            "form": form,
            "report": report,
            "definitions": venue_year.DEFINITIONS,
            "notes": _suppression_note(k),
            "languages": [("fi", "suomeksi"), ("sv", "på svenska"), ("en", "in English")],
        },
    )


@login_required
@require_GET
def venue_certificate(request: HttpRequest, venue_id: int) -> HttpResponse:
    """The venue's year as a one-page PDF certificate, in Finnish, Swedish or English."""
    venue = _venue(request, venue_id)
    try:
        year = int(request.GET.get("year", timezone.localdate().year))
    except ValueError:
        raise Http404 from None
    lang = request.GET.get("lang", translation.get_language() or "fi")[:2]
    if lang not in LANGUAGES or not 2000 <= year <= timezone.localdate().year:
        raise Http404
    k = threshold()
    with translation.override(lang):
        report = venue_year.venue_year(venue, year, k)
        html = render_to_string(
            "reports/certificate.html",
            {
                "venue": venue,
                "report": report,
                "definitions": venue_year.DEFINITIONS,
                "notes": _suppression_note(k),
                "today": timezone.localdate(),
            },
        )
    from weasyprint import HTML  # imported late: loading WeasyPrint takes a moment

    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="kaikukortti-{venue.pk}-{year}-{lang}.pdf"'
    return response


@login_required
@require_GET
def area_venues(request: HttpRequest, area_id: int) -> HttpResponse:
    """All venues' contributions in the area for a year (the coordinator's view)."""
    area = get_area(request, area_id)
    form = YearForm(request.GET)
    k = threshold()
    return render(
        request,
        "reports/area_venues.html",
        {
            "area": area,
            "form": form,
            "table": venue_year.area_venues(area, form.chosen_year, k),
            "definitions": venue_year.DEFINITIONS,
            "notes": _suppression_note(k),
        },
    )
