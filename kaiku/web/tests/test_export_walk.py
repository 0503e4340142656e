"""Every CSV and XLSX download in the permission matrices, with hostile text in every text field."""

import csv
import io
import re
from urllib.parse import parse_qs, urlsplit

from django.db import models
from openpyxl import load_workbook

from kaiku.network.models import Area, Municipality, Site
from kaiku.network.tests.test_permissions import ONBOARDING_MATRIX
from kaiku.offers.models import Offer
from kaiku.stats.tests.helpers import add_uses
from kaiku.stats.tests.test_permissions import MATRIX as STATS_MATRIX
from kaiku.web.spreadsheets import CSV_TYPE, FORMULA_PREFIXES, XLSX_TYPE
from kaiku.web.tests.test_permissions import MATRIX as WEB_MATRIX

# The partners export and the import templates sit in these matrices.
PARTNER_ROWS = (*ONBOARDING_MATRIX, *(row for row in WEB_MATRIX if row.url_name == "web:import_template"))

HOSTILE = ['=HYPERLINK("http://evil.example","x")', "+1", "-1", "@SUM(A1:A9)", "\tTab", "\rCR", "/:?*[]"]
EXPORT = re.compile(r"(/export/|\.csv|\.xlsx)")
LINK = re.compile(r'href="([^"]*(?:/export/\?|\.csv|\.xlsx)[^"]*)"')


def _poison() -> None:
    """Every free text field of the objects that exports name gets one hostile value."""
    n = 0
    for model in (Area, Municipality, Site, Offer):
        for obj in model.objects.all():
            values = {}
            for f in model._meta.concrete_fields:
                if (
                    isinstance(f, models.CharField | models.TextField)
                    and not f.choices
                    and f.name not in ("slug", "code")
                ):
                    value = HOSTILE[n % len(HOSTILE)] + (f" {obj.pk}" if f.unique else "")
                    values[f.name] = value[: f.max_length] if f.max_length else value
                    n += 1
            model.objects.filter(pk=obj.pk).update(**values)
    for area in Area.objects.all():  # the area's name is the partners export's sheet title
        Area.objects.filter(pk=area.pk).update(name=f'=HYPERLINK("x")/:?*[] an area with a long name {area.pk}')


def _check_csv(body: bytes, delimiter: str) -> int:
    assert body.startswith(b"\xef\xbb\xbf"), "CSV without a byte order mark"
    escaped = 0
    for row in csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=delimiter):
        for cell in row:
            assert not cell.startswith(FORMULA_PREFIXES), f"live formula {cell!r}"
            escaped += cell.startswith("'")
    return escaped


def _check_xlsx(body: bytes) -> int:
    workbook = load_workbook(io.BytesIO(body))
    escaped = 0
    for sheet in workbook.worksheets:
        assert len(sheet.title) <= 31 and not set(sheet.title) & set("[]:*?/\\")
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"formula in {sheet.title}!{cell.coordinate}"
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_PREFIXES):
                    assert cell.quotePrefix, f"{cell.value!r} not escaped"
                    escaped += 1
    return escaped


def test_no_export_holds_a_live_formula(world):
    add_uses(world)
    for setup in {row.setup for row in (*STATS_MATRIX, *PARTNER_ROWS) if row.setup is not None}:
        setup(world)
    _poison()
    downloads: dict[str, str] = {}  # url → role allowed to fetch it
    for row in (*STATS_MATRIX, *PARTNER_ROWS):
        role = next((r for r, status in row.expect.items() if status == 200), None)
        if row.method != "GET" or role is None:
            continue
        url = row.url(world)
        if EXPORT.search(url):
            downloads.setdefault(url, role)
            continue
        if not url.startswith("/stats/"):  # the pages that link to downloads with parameters
            continue
        page = world.client_for(role).get(url)
        if page.status_code == 200 and "text/html" in page["Content-Type"]:
            for link in LINK.findall(page.content.decode()):
                downloads.setdefault(link.replace("&amp;", "&"), role)
    formats = {parse_qs(urlsplit(u).query).get("format", [""])[0] for u in downloads}
    assert {"csv", "csv-semicolon", "xlsx"} <= formats
    assert any("table=yearly" in u for u in downloads) and any("sites.xlsx" in u for u in downloads)
    escaped = checked = 0
    for url, role in downloads.items():
        response = world.client_for(role).get(url)
        assert response.status_code == 200, url
        kind = response["Content-Type"]
        if kind == CSV_TYPE:
            fmt = parse_qs(urlsplit(url).query).get("format", ["csv"])[0]
            escaped += _check_csv(response.content, ";" if fmt == "csv-semicolon" else ",")
        elif kind == XLSX_TYPE:
            escaped += _check_xlsx(response.content)
        else:
            continue
        checked += 1
    assert checked >= 20 and escaped >= 20  # the hostile names did reach the files


def test_the_yearly_tables_numbers_are_numbers(world):
    add_uses(world)
    client = world.client_for("national_admin")
    response = client.get("/stats/national/export/?table=yearly&format=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] and isinstance(rows[1][0], int)
    data = [r for r in rows[1:] if isinstance(r[0], int)]
    numbers = [v for r in data for v in r[1:] if v is not None]
    assert numbers and all(isinstance(v, int) or (isinstance(v, str) and not v.isdigit()) for v in numbers)
    assert any(isinstance(v, int) and v > 0 for v in numbers)
