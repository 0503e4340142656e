"""Uploads that would hurt the server are refused before parsing; encodings, delimiters and ambiguous values."""

import datetime as dt
import io
import time
import tracemalloc
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from kaiku.cards.imports import import_registrations
from kaiku.cards.models import Card
from kaiku.cards.tests.factories import StockCardFactory
from kaiku.visits.imports import import_uses
from kaiku.visits.models import Use
from kaiku.web import imports
from kaiku.web.tests import test_import_pages as test_imports
from kaiku.web.tests.test_import_pages import USE_HEADER, xlsx
from kaiku.web.uploads import SpreadsheetError, read_bytes

old_card = test_imports.old_card  # the fixture
MB = 1024 * 1024
SHEET = (
    b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
    b'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>'
)


def hostile_xlsx(part: str, head: bytes, repeat: bytes, times: int, tail: bytes) -> bytes:
    """A real workbook with one part streamed to a huge size: small on disk, huge unpacked."""
    data = xlsx(["Date"], [["x"]])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != part:
                target.writestr(info, source.read(info))
        with target.open(part, "w", force_zip64=True) as f:
            f.write(head)
            chunk = repeat * max(1, MB // len(repeat))
            written = 0
            while written < times:
                n = min(times - written, MB // len(repeat))
                f.write(chunk if n == MB // len(repeat) else repeat * n)
                written += n
            f.write(tail)
    return out.getvalue()


def measured(data: bytes) -> tuple[SpreadsheetError, float, int]:
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with translation.override("en"), pytest.raises(SpreadsheetError) as exc:
            read_bytes(data)
        elapsed = time.perf_counter() - started
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return exc.value, elapsed, peak


def test_a_zip_bomb_of_six_and_a_half_million_shared_strings_is_refused_at_once():
    sst = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    data = hostile_xlsx("xl/sharedStrings.xml", sst, b"<si><t>x</t></si>", 6_500_000, b"</sst>")
    assert len(data) < 2 * MB
    error, elapsed, peak = measured(data)
    assert error.code == "unpacks_too_large" and "40 MB" in error.message
    assert elapsed < 1.0 and peak < 50 * MB


def test_a_100_mb_cell_is_refused_at_once():
    head = SHEET.split(b"<sheetData>")[0] + b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
    data = hostile_xlsx(
        "xl/worksheets/sheet1.xml", head, b"A" * 1024, 100 * 1024, b"</t></is></c></row></sheetData></worksheet>"
    )
    error, elapsed, peak = measured(data)
    assert error.code == "unpacks_too_large"
    assert elapsed < 1.0 and peak < 50 * MB


def test_a_part_packed_suspiciously_tightly_is_refused_even_under_the_total_limit():
    sst = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    data = hostile_xlsx("xl/sharedStrings.xml", sst, b"<si><t>x</t></si>", 1_000_000, b"</sst>")  # 17 MB
    assert measured(data)[0].code == "unpacks_too_large"


def test_too_many_shared_strings_are_counted_before_openpyxl_reads_them(monkeypatch):
    from kaiku.web import uploads as spreadsheets

    monkeypatch.setattr(spreadsheets, "MAX_SHARED_STRINGS", 1000)
    sst = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    with pytest.raises(SpreadsheetError) as exc:
        read_bytes(hostile_xlsx("xl/sharedStrings.xml", sst, b"<si><t>x</t></si>", 1500, b"</sst>"))
    assert exc.value.code == "too_many_strings"


def test_a_cell_longer_than_excel_allows_and_a_41st_column_are_refused_with_the_row():
    with translation.override("en"), pytest.raises(SpreadsheetError) as exc:
        read_bytes(b"Date,Event\n2026-06-01," + b"x" * 40_000 + b"\n")
    assert exc.value.code == "cell_too_long" and "Row 2, column B" in exc.value.message
    with translation.override("en"), pytest.raises(SpreadsheetError) as exc:
        read_bytes(xlsx(["Date"], [["x", *[""] * 39, "extra"]]))
    assert exc.value.code == "too_many_columns" and "Row 2" in exc.value.message


def test_rows_past_a_wrong_dimension_are_still_read():
    data = xlsx(["Date", "Card number"], [["1.6.2026", "KK1"], ["2.6.2026", "KK2"]])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = body.replace(b'<dimension ref="A1:B3"/>', b'<dimension ref="A1:B1"/>')
            target.writestr(info, body)
    assert [row for _n, row in read_bytes(out.getvalue()).rows] == [["1.6.2026", "KK1"], ["2.6.2026", "KK2"]]


def test_it_reads_a_windows_1252_file_with_scandinavian_letters(world, old_card):
    text = f"Date;Card number;Event\n1.6.2026;{old_card.number};Äänikirjailta Pöllölässä\n"
    table = read_bytes(text.encode("cp1252"))
    assert table.rows == [(2, ["1.6.2026", old_card.number, "Äänikirjailta Pöllölässä"])]
    assert read_bytes(text.encode("utf-8")).rows == table.rows  # UTF-8 without a BOM
    assert read_bytes(text.encode("utf-16")).rows == table.rows  # Excel's "Unicode text"


@pytest.mark.parametrize(
    "data",
    [
        "Date;Event\n1.6.2026;Äänikirjailta Pöllölässä\n".encode("cp850"),  # Excel's "MS-DOS CSV"
        "Date;Event\n1.6.2026;Äänikirja\n".encode("utf-16-le"),  # UTF-16 without its BOM
    ],
    ids=["dos", "utf16-without-bom"],
)
def test_an_unknown_encoding_is_refused_naming_the_one_to_choose_in_excel(data):
    with translation.override("en"), pytest.raises(SpreadsheetError) as exc:
        read_bytes(data)
    assert exc.value.code == "encoding" and "CSV UTF-8" in exc.value.message


def test_a_bom_and_semicolon_file_with_a_10_kb_cell_is_split_by_its_header(world, old_card):
    day = (timezone.localdate() - dt.timedelta(days=2)).strftime("%d.%m.%Y")
    long = "Ö" * 10_000
    text = "\ufeff" + ";".join(USE_HEADER) + f"\r\n{day};{old_card.number};{long};1;0;0\r\n"
    table = read_bytes(text.encode("utf-8"))
    assert table.header == USE_HEADER and table.rows[0][1][2] == long
    result = import_uses(world.venue_a, table, world.users["venue_staff"], "long.csv")
    assert result.created == 1 and Use.objects.get().offer is None


def _uses(card, n=2):
    day = timezone.localdate() - dt.timedelta(days=2)
    return read_bytes(xlsx(USE_HEADER, [[day, card.number, "", 1, 0, 0]] * n + [[day, card.number, "", 1, 1, 0]]))


def test_repeated_rows_are_reported_until_the_user_chooses(world, old_card):
    staff = world.users["venue_staff"]
    with translation.override("en"), pytest.raises(imports.ImportFailed) as exc:
        import_uses(world.venue_a, _uses(old_card), staff, "u.xlsx")
    assert [(e.row, e.column) for e in exc.value.errors] == [(3, "Date")]
    assert "The same as row 2" in exc.value.errors[0].message
    assert not Use.objects.exists()
    result = import_uses(world.venue_a, _uses(old_card), staff, "u.xlsx", "skip")
    assert (result.created, result.details["repeated"], Use.objects.count()) == (2, 1, 2)
    Use.objects.all().delete()
    result = import_uses(world.venue_a, _uses(old_card, 3), staff, "u2.xlsx", "separate")
    assert (result.created, result.details["repeated"]) == (4, 2)


def test_the_upload_page_offers_the_choice_for_repeated_rows(world, client, old_card):
    client.force_login(world.users["venue_staff"])
    url = reverse("visits:import_uses", args=[world.venue_a.pk])
    body = xlsx(USE_HEADER, [["1.6.2026", old_card.number, "", 1, 0, 0]] * 2)
    response = client.post(url, {"file": SimpleUploadedFile("u.xlsx", body)}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and b"The same as row 2" in response.content
    assert "no-store" in response["Cache-Control"]
    assert b'name="duplicates"' in response.content and not Use.objects.exists()
    response = client.post(url, {"file": SimpleUploadedFile("u.xlsx", body), "duplicates": "separate"})
    assert response.status_code == 302 and Use.objects.count() == 2


REG_HEADER = ["Date", "Card number", "Birth year", "Postal code", "Municipality code"]


def test_a_four_digit_postal_code_or_two_digit_municipality_is_an_error_never_padded(world):
    stock = [StockCardFactory(site=world.distributor_a) for _ in range(4)]
    day = timezone.localdate() - dt.timedelta(days=5)
    rows = [
        [day, stock[0].number, 1970, 3310, "837"],  # Excel made 03310 a number
        [day, stock[1].number, 1970, "33100", 91],  # and 091 too
        [day, stock[2].number, 1850, "33100", "837"],  # a birth year outside the allowed range
        [day, stock[3].number, 2031, "33100", "837"],
    ]
    with translation.override("en"), pytest.raises(imports.ImportFailed) as exc:
        import_registrations(
            world.distributor_a, read_bytes(xlsx(REG_HEADER, rows)), world.users["distributor"], "p.xlsx"
        )
    found = [(e.row, e.column) for e in exc.value.errors]
    assert found == [(2, "Postal code"), (3, "Municipality code"), (4, "Birth year"), (5, "Birth year")]
    assert (
        "3310 is too short" in exc.value.errors[0].message
        and "format the column as text" in exc.value.errors[0].message
    )
    assert not Card.objects.filter(pk__in=[c.pk for c in stock]).exclude(status=Card.Status.UNREGISTERED).exists()


def test_openpyxl_parses_through_defusedxml_so_entities_are_refused():
    import openpyxl.xml
    from openpyxl.xml import functions

    assert openpyxl.xml.DEFUSEDXML and functions.iterparse.__module__.startswith("defusedxml")
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData></worksheet>'
    )
    data = xlsx(["Date"], [["x"]])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info, laughs if info.filename == "xl/worksheets/sheet1.xml" else source.read(info))
    with pytest.raises(SpreadsheetError) as exc:
        read_bytes(out.getvalue())
    assert exc.value.code == "not_a_spreadsheet"
