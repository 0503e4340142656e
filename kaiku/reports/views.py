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
from kaiku.network.models import Area, Municipality, NationalSettings, Site
from kaiku.reports import demand as demand_signals
from kaiku.reports import rates, venue_year, wellbeing
from kaiku.reports.forms import PopulationUploadForm, YearForm
from kaiku.reports.models import Population
from kaiku.reports.municipalities import SOURCE as MUNICIPALITY_SOURCE
from kaiku.reports.population import PopulationError, upload_population
from kaiku.stats.suppression import HIDDEN_NOTE, small_label
from kaiku.web import spreadsheets

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


def _year_and_language(request: HttpRequest, default_year: int) -> tuple[int, str]:
    """A download's ``?year=`` (2000 to this year) and ``?lang=`` (fi, sv, en); 404 for anything else."""
    try:
        year = int(request.GET.get("year", default_year))
    except ValueError:
        raise Http404 from None
    lang = request.GET.get("lang", translation.get_language() or "fi")[:2]
    if lang not in LANGUAGES or not 2000 <= year <= timezone.localdate().year:
        raise Http404
    return year, lang


def _pdf(request: HttpRequest, html: str, filename: str) -> HttpResponse:
    from weasyprint import HTML  # imported late: loading WeasyPrint takes a moment

    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def venue_certificate(request: HttpRequest, venue_id: int) -> HttpResponse:
    """The venue's year as a one-page PDF certificate, in Finnish, Swedish or English."""
    venue = _venue(request, venue_id)
    year, lang = _year_and_language(request, timezone.localdate().year)
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
    return _pdf(request, html, f"kaikukortti-{venue.pk}-{year}-{lang}.pdf")


def _wellbeing_municipality(request: HttpRequest, municipality_id: int) -> tuple[Municipality, int | None]:
    """A municipality of an area the user coordinates (any, for the national admin), and the threshold.

    404 otherwise. The national admin's own download is not suppressed, as on the dashboards.
    """
    scope = request_scope(request)
    municipality = Municipality.objects.select_related("area").filter(pk=municipality_id).first()
    if municipality is None or not (
        scope.national or (municipality.area_id is not None and scope.can_coordinate(municipality.area_id))
    ):
        raise Http404
    return municipality, None if scope.national else threshold()


@login_required
@require_GET
def wellbeing_index(request: HttpRequest) -> HttpResponse:
    """The municipalities whose wellbeing-report pack the user may download."""
    scope = request_scope(request)
    if not (scope.national or scope.coordinator_area_ids):
        raise PermissionDenied
    form = YearForm(request.GET, default=timezone.localdate().year - 1)
    return render(
        request,
        "reports/wellbeing.html",
        {
            "form": form,
            "year": form.chosen_year,
            "municipalities": wellbeing.municipalities_for(scope.national, scope.coordinator_area_ids),
            "languages": [("fi", "suomi"), ("sv", "svenska"), ("en", "English")],
        },
    )


def _wellbeing_context(request: HttpRequest, municipality_id: int) -> tuple[wellbeing.Pack, str, list[str]]:
    municipality, k = _wellbeing_municipality(request, municipality_id)
    year, lang = _year_and_language(request, timezone.localdate().year - 1)
    with translation.override(lang):
        return wellbeing.pack(municipality, year, k), lang, _suppression_note(k)


@login_required
@require_GET
def wellbeing_pdf(request: HttpRequest, municipality_id: int) -> HttpResponse:
    """The municipality's wellbeing-report pack as a one-page PDF, in Finnish, Swedish or English."""
    pack, lang, notes = _wellbeing_context(request, municipality_id)
    with translation.override(lang):
        html = render_to_string(
            "reports/wellbeing_pack.html",
            {
                "pack": pack,
                "notes": notes,
                "population_note": wellbeing.population_note(pack),
                "today": timezone.localdate(),
            },
        )
    return _pdf(request, html, f"kaikukortti-{pack.municipality.code}-{pack.year}-{lang}.pdf")


@login_required
@require_GET
def wellbeing_xlsx(request: HttpRequest, municipality_id: int) -> HttpResponse:
    """The same pack as an XLSX workbook: the figures (numbers as numbers) and the yes/no facts."""
    pack, lang, notes = _wellbeing_context(request, municipality_id)
    with translation.override(lang):
        figures, facts = wellbeing.xlsx_rows(pack)
        title = _("Kaikukortti in %(municipality)s %(year)s") % {"municipality": pack.municipality, "year": pack.year}
        sheets = [
            spreadsheets.Sheet(title, figures, [*pack.definitions, *notes, wellbeing.population_note(pack)]),
            spreadsheets.Sheet(_("Yes/no facts"), facts),
        ]
        return spreadsheets.xlsx_response(sheets, f"kaikukortti-{pack.municipality.code}-{pack.year}-{lang}")


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
