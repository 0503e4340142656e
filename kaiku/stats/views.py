"""Dashboards per role scope, their exports, the national yearly table, the area report, open data."""

from __future__ import annotations

import math
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from kaiku.accounts.scopes import request_scope
from kaiku.network.models import Area, NationalSettings, Site
from kaiku.privacy.models import ReadEntry
from kaiku.privacy.services import record_read
from kaiku.reports import rates
from kaiku.stats import charts, exports, glance, queries
from kaiku.stats.forms import FilterForm
from kaiku.stats.queries import Filters, StatsScope, Table
from kaiku.stats.suppression import HIDDEN_NOTE, small_label
from kaiku.takeover.history import with_published, with_published_export
from kaiku.web import ratelimit, spreadsheets

FORMATS = spreadsheets.FORMATS


def threshold() -> int:
    return NationalSettings.get().small_count_threshold


def resolve_scope(request: HttpRequest, level: str, pk: int | None = None) -> StatsScope:
    """The statistics the user may see at this level; 404 for anything outside their scope."""
    scope = request_scope(request)
    k = threshold()
    if level == "national":
        if not scope.national:
            raise Http404
        # The national admin's own view is the only one without suppression.
        return StatsScope("national", threshold=None)
    if level == "area":
        if pk is None or not scope.can_coordinate(pk):
            raise Http404
        area = Area.objects.filter(pk=pk).first()
        if area is None:
            raise Http404
        return StatsScope("area", area=area, threshold=k)
    kind = Site.Kind.DISTRIBUTOR if level == "site" else Site.Kind.VENUE
    site = Site.objects.select_related("area").filter(pk=pk or 0, kind=kind).first()
    if site is None:
        raise Http404
    own = scope.distributor_site_ids if level == "site" else scope.venue_ids
    if site.pk not in own and not scope.can_coordinate(site.area_id):
        raise Http404
    return StatsScope(level, area=site.area, site=site, threshold=k)


def _title(scope: StatsScope) -> str:
    if scope.level == "national":
        return _("National statistics")
    if scope.level == "area":
        return _("Statistics: %(name)s") % {"name": scope.area}
    return _("Statistics: %(name)s") % {"name": scope.site}


def _published(scope: StatsScope, filters: Filters) -> tuple[list[Table], dict[str, Any]]:
    tables, figures = queries.dashboard(scope, filters)
    for table in tables:
        table.publish(scope.threshold)
    return tables, figures


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    scope = request_scope(request)
    areas = Area.objects.all() if scope.national else Area.objects.filter(pk__in=scope.coordinator_area_ids)
    sites = Site.objects.filter(pk__in=scope.distributor_site_ids, kind=Site.Kind.DISTRIBUTOR)
    venues = Site.objects.filter(pk__in=scope.venue_ids, kind=Site.Kind.VENUE)
    return render(
        request,
        "stats/index.html",
        {"national": scope.national, "areas": list(areas), "sites": list(sites), "venues": list(venues)},
    )


def _dashboard(request: HttpRequest, level: str, pk: int | None = None) -> HttpResponse:
    scope = resolve_scope(request, level, pk)
    if scope.threshold is None:
        record_read(request, ReadEntry.What.NATIONAL_VIEW, detail=f"{level} {pk or ''}".strip())
    form = FilterForm(request.GET or None, scope=scope)
    filters = form.filters()
    tables, figures = _published(scope, filters)
    earlier = glance.year_earlier(filters)
    # Per 1,000 residents: the whole network from the figures above, an area or a municipality
    # from the statistics by the holder's home municipality; nothing for a site or a venue.
    extra = rates.figures_per_thousand(scope, filters, figures)
    tiles = glance.tiles(scope, figures, glance.earlier_figures(scope, earlier), earlier, extra)
    query = request.GET.urlencode()
    for i, table in enumerate(tables):
        assert table.safe is not None
        table.svg = charts.render(table.chart, table.safe, str(table.title), f"chart-{i}", f"table-{table.key}")
    return render(
        request,
        "stats/dashboard.html",
        {
            "scope": scope,
            "title": _title(scope),
            "form": form,
            "filters": filters,
            "tables": tables,
            "tiles": tiles,
            "earlier": glance.period_text(earlier),
            "query": query,
            "export_url": request.path + "export/",
            "threshold": scope.threshold,
            "small": small_label(scope.threshold) if scope.threshold else "",
            "hidden_note": HIDDEN_NOTE,
            "years": list(range(timezone.localdate().year, timezone.localdate().year - 6, -1)),
        },
    )


def _export(request: HttpRequest, level: str, pk: int | None = None) -> HttpResponse:
    scope = resolve_scope(request, level, pk)
    fmt = request.GET.get("format", "csv")
    key = request.GET.get("table", "months")
    if fmt not in FORMATS:
        raise Http404
    record_read(request, ReadEntry.What.STATS_EXPORT, object_id=pk or "", detail=f"{level} {key} {fmt}"[:120])
    if key == "yearly" and level == "national":
        # Published history (kaiku.takeover): rows entered for years before Kaiku's data, marked.
        rows = with_published_export(queries.yearly_export(scope))
        notes = [str(d) for d in queries.YEARLY_DEFINITIONS]
        title = _("Yearly table")
    else:
        form = FilterForm(request.GET, scope=scope)
        filters = form.filters()
        tables, _figures = _published(scope, filters)
        table = next((t for t in tables if t.key == key), None)
        if table is None:
            raise Http404
        assert table.safe is not None
        rows = exports.table_matrix(table.row_heading, table.safe)
        period = _("Period: %(start)s to %(end)s") % {"start": filters.start, "end": filters.end}
        notes = [period]
        if scope.threshold is not None:
            notes += [
                _("Counts from 1 to %(n)s are shown as %(label)s.")
                % {"n": scope.threshold - 1, "label": small_label(scope.threshold)},
                str(HIDDEN_NOTE),
            ]
        title = str(table.title)
    name = f"kaiku-{level}-{pk or 'all'}-{key or 'table'}"
    return spreadsheets.table_response(fmt, rows, name, title, notes)


@login_required
@require_GET
def dashboard(request: HttpRequest, level: str, **ids: int) -> HttpResponse:
    """The national, an area's, a site's or a venue's dashboard (``level`` from the URL; its one id, if any)."""
    return _dashboard(request, level, _one_id(ids))


@login_required
@require_GET
def export(request: HttpRequest, level: str, **ids: int) -> HttpResponse:
    """One table of a dashboard (or the national yearly table) as CSV or XLSX."""
    return _export(request, level, _one_id(ids))


def _one_id(ids: dict[str, int]) -> int | None:
    """The URL's area, site or venue id (``area_id``, ``site_id``, ``venue_id``), None on the national URLs."""
    return next(iter(ids.values()), None)


@login_required
@require_GET
def yearly(request: HttpRequest) -> HttpResponse:
    scope = resolve_scope(request, "national")
    record_read(request, ReadEntry.What.NATIONAL_VIEW, detail="yearly")
    return render(
        request,
        "stats/yearly.html",
        {
            "headings": yearly_columns(),
            "rows": with_published(queries.yearly_table(scope)),
            "definitions": queries.YEARLY_DEFINITIONS,
        },
    )


def yearly_columns() -> list[tuple[Any, int | None]]:
    """The yearly table's headings, each with the number of its definition (None for the year).

    ``YEARLY_DEFINITIONS`` define the columns after the year, in order; should their number
    ever differ from the columns', no column names one, rather than the wrong one.
    """
    headings, definitions = queries.YEARLY_HEADINGS, queries.YEARLY_DEFINITIONS
    paired = len(definitions) == len(headings) - 1
    return [(h, i if paired and i else None) for i, h in enumerate(headings)]


REPORT_LANGUAGES = ("fi", "sv", "en")


@login_required
@require_GET
def area_report(request: HttpRequest, area_id: int) -> HttpResponse:
    """The annual area report for a municipal wellbeing report, as PDF, in fi, sv or en."""
    scope = resolve_scope(request, "area", area_id)
    # The report is published by the area: always suppressed, also for the national admin.
    scope.threshold = threshold()
    from kaiku.stats.report import report_context

    try:
        year = int(request.GET.get("year", timezone.localdate().year - 1))
    except ValueError:
        raise Http404 from None
    lang = request.GET.get("lang", translation.get_language() or "fi")[:2]
    if lang not in REPORT_LANGUAGES or not 2000 <= year <= 2100:
        raise Http404
    with translation.override(lang):
        context = report_context(scope, year)
        html = render_to_string("stats/report.html", context, request=request)
    pdf = exports.pdf_bytes(html, request.build_absolute_uri("/"))
    record_read(request, ReadEntry.What.STATS_EXPORT, object_id=area_id, detail=f"area report {year} {lang}")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="kaikukortti-{scope.area and scope.area.slug}-{year}-{lang}.pdf"'
    )
    return response


@require_GET
def open_data(request: HttpRequest) -> HttpResponse:
    return render(request, "stats/open_data.html", {"years": queries.open_data_years(), "threshold": threshold()})


@require_GET
def open_data_csv(request: HttpRequest) -> HttpResponse:
    wait = ratelimit.open_data_wait(request)
    if wait is not None:
        response = HttpResponse(
            _("Too many downloads from this address in a minute. Try again in a minute."),
            status=429,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = str(math.ceil(wait))
        return response
    years = None
    if request.GET.get("year"):
        try:
            years = [int(request.GET["year"])]
        except ValueError:
            raise Http404 from None
        if not 2000 <= years[0] <= 2100:
            raise Http404
    by = request.GET.get("by", "venue")
    if by not in queries.OPEN_DATA_BY:
        raise Http404
    records = queries.open_data(threshold(), years, by)
    rows: list[list[Any]] = [list(queries.OPEN_DATA_FIELDS)]
    rows += [[r[f] for f in queries.OPEN_DATA_FIELDS] for r in records]
    notes = [str(LICENCE_NOTE)]
    fmt = request.GET.get("format", "csv")
    if fmt not in spreadsheets.CSV_DELIMITERS:
        raise Http404
    return spreadsheets.csv_response(
        rows,
        "kaikukortti-uses-by-home-municipality" if by == "home" else "kaikukortti-uses-by-municipality",
        notes,
        delimiter=spreadsheets.CSV_DELIMITERS[fmt],
        public=True,
    )


LICENCE_NOTE = gettext_lazy(
    "Licence: Creative Commons Attribution 4.0 International (CC BY 4.0), "
    "https://creativecommons.org/licenses/by/4.0/. Source: Kaikukortti network."
)
