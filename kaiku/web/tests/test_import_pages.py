import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import Workbook, load_workbook

from kaiku.cards.imports import import_registrations
from kaiku.cards.models import Card, CardEvent
from kaiku.cards.tests.factories import CardFactory, StockCardFactory
from kaiku.network.imports import import_sites
from kaiku.network.models import Site
from kaiku.visits.imports import import_uses
from kaiku.visits.models import Use
from kaiku.web import imports
from kaiku.web.import_pages import columns
from kaiku.web.models import ImportRecord
from kaiku.web.spreadsheets import csv_text
from kaiku.web.uploads import MAX_BYTES, SpreadsheetError, read_bytes

USE_HEADER = ["Date", "Card number", "Event", "Adults", "Children", "Assistants"]


def xlsx(header, rows):
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture
def old_card(world):
    """A card issued well before the paper-form dates."""
    day = timezone.localdate() - dt.timedelta(days=200)
    return CardFactory(
        site=world.distributor_a,
        municipality=world.muni_a,
        issued_on=day,
        registered_on=day,
        valid_until=day + dt.timedelta(days=365),
        children=2,
    )


def test_it_imports_a_valid_file_of_uses_fully_with_original_dates_flagged_late(world, old_card):
    day = timezone.localdate() - dt.timedelta(days=30)
    rows = [[day, old_card.number, "", 1, i % 3, 0] for i in range(20)]
    result = import_uses(
        world.venue_a, read_bytes(xlsx(USE_HEADER, rows)), world.users["venue_staff"], "may.xlsx", "separate"
    )
    assert (result.rows, result.created) == (20, 20)
    uses = Use.objects.filter(venue=world.venue_a)
    assert uses.count() == 20 and all(u.late and u.used_on == day and u.channel == "import" for u in uses)
    assert ImportRecord.objects.get().created == 20
    # The same file again records nothing twice.
    again = import_uses(
        world.venue_a, read_bytes(xlsx(USE_HEADER, rows)), world.users["venue_staff"], "may.xlsx", "separate"
    )
    assert (again.created, again.skipped, uses.count()) == (0, 20, 20)


def test_one_bad_row_in_1000_imports_nothing_and_names_the_row_and_column(world, old_card):
    day = timezone.localdate() - dt.timedelta(days=3)
    rows = [[day.isoformat(), old_card.number, "", 1, 0, 0] for _ in range(1000)]
    rows[736][4] = 5  # more children than the card allows
    data = "\n".join(",".join(map(str, r)) for r in [USE_HEADER, *rows]).encode()
    with translation.override("fi"), pytest.raises(imports.ImportFailed) as exc:
        import_uses(world.venue_a, read_bytes(data), world.users["venue_staff"], "big.csv", "separate")
    assert [(e.row, e.column) for e in exc.value.errors] == [(738, "Lapset")]  # header is row 1
    assert "lapsia" in exc.value.errors[0].message.lower()
    assert not Use.objects.exists() and not ImportRecord.objects.exists()


def test_it_imports_sites_and_reports_errors_in_the_users_language(world):
    header = [
        "Kind",
        "Name",
        "Organisation",
        "Municipality code",
        "Sector",
        "Visiting address",
        "Website",
        "Contact person",
        "Contact e-mail",
    ]
    good = [
        ["venue", "Tampere-talo", "", "837", "culture", "Yliopistonkatu 55", "https://tampere-talo.fi", "", ""],
        ["Distributor site", "Klubitalo", "ry", "837", "", "", "", "Maija", "maija@example.org"],
    ]
    result = import_sites(world.area_a, read_bytes(xlsx(header, good)), world.users["coordinator"], "sites.xlsx")
    assert result.created == 2
    assert Site.objects.get(name="Klubitalo").kind == Site.Kind.DISTRIBUTOR  # a label works as well as a code
    bad = [
        ["venue", "Uusi museo", "", "297", "culture", "", "", "", ""],
        ["venue", "Tampere-talo", "", "", "culture", "", "", "", ""],
    ]
    with translation.override("sv"), pytest.raises(imports.ImportFailed) as exc:
        import_sites(world.area_a, read_bytes(xlsx(header, bad)), world.users["coordinator"], "sites.xlsx")
    assert [(e.row, e.column) for e in exc.value.errors] == [(2, "Kommunkod"), (3, "Namn")]
    assert not Site.objects.filter(name="Uusi museo").exists()


def test_it_imports_offline_registrations_dated_on_the_day_given(world):
    stock = [StockCardFactory(site=world.distributor_a) for _ in range(2)]
    day = timezone.localdate() - dt.timedelta(days=40)  # last month: the statistics must say so
    header = [
        "Date",
        "Card number",
        "Birth year",
        "Postal code",
        "Municipality code",
        "Children",
        "Gender",
        "Life situation",
    ]
    rows = [
        [day, stock[0].number, 1970, "33100", "837", 1, "", ""],
        [day, stock[1].number, 1990, "33200", 837, 0, "", ""],
    ]
    result = import_registrations(
        world.distributor_a, read_bytes(xlsx(header, rows)), world.users["distributor"], "paper.xlsx"
    )
    assert result.created == 2
    card = Card.objects.get(number=stock[0].number)
    assert (card.status, card.issued_on, card.valid_until) == ("active", day, day + dt.timedelta(days=365))
    details = CardEvent.objects.get(card=card, kind="registered").details
    assert details["late"] is True and details["given_on"] == day.isoformat() and details["import"] == "paper.xlsx"
    from kaiku.stats import intake
    from kaiku.stats.models import CardFact, CardRollup

    intake.fold()  # the statistics count the import's registrations when next read
    fact = CardFact.objects.get(card_key=card.pk)
    assert (fact.day, fact.month) == (day, day.month)
    assert CardRollup.objects.filter(year=day.year, month=day.month, day=0, kind="registered").get().facts == 2
    assert not CardRollup.objects.filter(month=timezone.localdate().month, facts__gt=0).exists()
    # Registering the same numbers again names the rows and imports nothing.
    with pytest.raises(imports.ImportFailed) as exc:
        import_registrations(
            world.distributor_a, read_bytes(xlsx(header, rows)), world.users["distributor"], "paper.xlsx"
        )
    assert [e.row for e in exc.value.errors] == [2, 3]


def test_a_too_young_holder_is_named_in_the_birth_year_column(world):
    stock = StockCardFactory(site=world.distributor_a)
    header = ["Date", "Card number", "Birth year", "Postal code", "Municipality code"]
    rows = [[timezone.localdate(), stock.number, 2015, "33100", "837"]]
    with translation.override("en"), pytest.raises(imports.ImportFailed) as exc:
        import_registrations(world.distributor_a, read_bytes(xlsx(header, rows)), world.users["distributor"], "x.xlsx")
    assert [(e.row, e.column) for e in exc.value.errors] == [(2, "Birth year")]
    assert Card.objects.get(pk=stock.pk).status == Card.Status.UNREGISTERED


def test_formulas_in_an_upload_are_refused(world, old_card):
    rows = [
        [timezone.localdate(), old_card.number, '=HYPERLINK("http://evil","x")', 1, 0, 0],
        [timezone.localdate(), "@SUM(1+1)", "", 1, 0, 0],
    ]
    with translation.override("en"), pytest.raises(imports.ImportFailed) as exc:
        import_uses(world.venue_a, read_bytes(xlsx(USE_HEADER, rows)), world.users["venue_staff"], "f.xlsx")
    assert [(e.row, e.column) for e in exc.value.errors] == [(2, "Event"), (3, "Card number")]
    assert "Formulas" in exc.value.errors[0].message
    assert not Use.objects.exists()


def test_exports_escape_cells_that_start_like_formulas(world, client):
    Site.objects.create(area=world.area_a, kind=Site.Kind.VENUE, name="=cmd|' /C calc'!A0", sector="culture")
    Site.objects.create(area=world.area_a, kind=Site.Kind.VENUE, name="@SUM(A1)", sector="culture", organisation="-2+3")
    client.force_login(world.users["coordinator"])
    response = client.get(reverse("onboarding:site_export", args=[world.area_a.pk]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [c for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    # Kept as typed, stored as text with Excel's quote prefix: shown, never evaluated.
    risky = {c.value: c.quotePrefix for c in cells if c.value.startswith(("=", "@", "+", "-"))}
    assert risky == {"=cmd|' /C calc'!A0": True, "@SUM(A1)": True, "-2+3": True}
    assert all(c.data_type == "s" for c in cells)
    assert csv_text("+358 40") == "'+358 40" and csv_text(5) == "5"


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.4 binary\x00\x01\x02 stuff", b"PK\x03\x04 not really a zip archive", b"\x89PNG\r\n\x1a\n\x00\x00"],
    ids=["pdf", "broken-zip", "png"],
)
def test_a_file_that_is_not_a_spreadsheet_is_refused(data):
    with pytest.raises(SpreadsheetError) as exc:
        read_bytes(data)
    assert exc.value.code == "not_a_spreadsheet"


def test_the_upload_page_refuses_non_spreadsheets_and_files_over_10_mb(world, client):
    client.force_login(world.users["venue_staff"])
    url = reverse("visits:import_uses", args=[world.venue_a.pk])
    with translation.override("en"):
        response = client.post(
            url, {"file": SimpleUploadedFile("x.pdf", b"%PDF\x00\x00\x01")}, HTTP_ACCEPT_LANGUAGE="en"
        )
    assert response.status_code == 400 and b"not a spreadsheet" in response.content
    big = SimpleUploadedFile("big.csv", b"Date,Card number\n" + b"x" * (MAX_BYTES + 1))
    response = client.post(url, {"file": big}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and b"larger than 10 MB" in response.content
    # Far over the limit: refused from the request's length, before the upload is parsed.
    huge = SimpleUploadedFile("huge.csv", b"x" * (MAX_BYTES + 200_000))
    response = client.post(url, {"file": huge}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and b"larger than 10 MB" in response.content
    assert not Use.objects.exists()


def test_the_upload_page_lists_row_errors_and_imports_a_good_file(world, client, old_card):
    client.force_login(world.users["venue_staff"])
    url = reverse("visits:import_uses", args=[world.venue_a.pk])
    bad = xlsx(USE_HEADER, [["31.2.2026", old_card.number, "", 1, 0, 0]])
    response = client.post(url, {"file": SimpleUploadedFile("u.xlsx", bad)}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and b"Write the date as" in response.content
    good = xlsx(USE_HEADER, [["1.6.2026", old_card.number, "", 1, 0, 1]])
    response = client.post(url, {"file": SimpleUploadedFile("u.xlsx", good)})
    assert response.status_code == 302
    assert Use.objects.get().assistants == 1


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("kind", ["sites", "uses", "registrations"])
def test_the_templates_round_trip_their_headers(world, client, kind, fmt):
    client.force_login(world.users["coordinator"])
    response = client.get(reverse("web:import_template", args=[kind, fmt]), HTTP_ACCEPT_LANGUAGE="sv")
    assert response.status_code == 200
    table = read_bytes(response.content)
    positions = imports.map_header(table, columns(kind))
    assert set(positions) == {c.code for c in columns(kind)}


def test_a_file_with_too_many_rows_is_refused_without_reading_it_all():
    data = b"Date,Card number\n" + b"2026-06-01,KK\n" * 25_000
    with pytest.raises(SpreadsheetError) as exc:
        read_bytes(data)
    assert exc.value.code == "too_many_rows"


def test_the_import_pages_old_partners_paths_redirect_to_their_new_homes(world, client):
    client.force_login(world.users["venue_staff"])
    moved = {
        f"/partners/venues/{world.venue_a.pk}/import/": reverse("visits:import_uses", args=[world.venue_a.pk]),
        f"/partners/distributors/{world.distributor_a.pk}/import/": reverse(
            "cards:import_registrations", args=[world.distributor_a.pk]
        ),
        "/partners/templates/uses.csv?x=1": reverse("web:import_template", args=["uses", "csv"]) + "?x=1",
    }
    for old, new in moved.items():
        response = client.get(old)
        assert (response.status_code, response["Location"]) == (301, new)
    assert client.get(moved[f"/partners/venues/{world.venue_a.pk}/import/"]).status_code == 200
