import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kaiku.cards import numbers
from kaiku.cards.models import Card
from kaiku.takeover import services
from kaiku.takeover.models import PublishedYear, SiteMapping, TakeoverRun
from kaiku.takeover.tests.exports import CARD_HEADER, card_row, csv_bytes
from kaiku.visits.models import Use

ROW_2019 = {
    "year": "2019",
    "registered": "14789",
    "taken_into_use": "5608",
    "adult_culture": "16193",
    "adult_education": "2043",
    "adult_science": "1986",
    "adult_sports": "22524",
    "child_culture": "2414",
    "child_education": "27",
    "child_science": "1432",
    "child_sports": "4569",
    "total": "51188",
    "municipalities": "61",
}


@pytest.fixture
def admin(world):
    client = world.client_for("national_admin")
    client.cookies["kaiku_language"] = "en"
    return client


def _upload(admin, rows, commit):
    file = SimpleUploadedFile("old.csv", csv_bytes(CARD_HEADER, rows), content_type="text/csv")
    return admin.post(reverse("takeover:index"), {"kind": "cards", "file": file, "commit": "1" if commit else "0"})


def test_it_shows_a_dry_run_then_imports(world, admin):
    rows = [card_row(numbers.generate()), card_row(numbers.generate())]
    response = _upload(admin, rows, commit=False)
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("no-store") or "no-store" in response["Cache-Control"]
    assert b"Dry run: the file can be imported" in response.content
    assert Card.objects.count() == 4
    response = _upload(admin, rows, commit=True)
    assert b"Imported: 2 new, 0 updated, 0 unchanged." in response.content
    assert Card.objects.count() == 6
    assert TakeoverRun.objects.get().created == 2


def test_it_names_the_bad_row_and_imports_nothing(world, admin):
    response = _upload(admin, [card_row(), card_row(birth_year="2020")], commit=True)
    assert b"Nothing was imported" in response.content
    assert b"<td>3</td><td>Birth year</td>" in response.content
    assert Card.objects.count() == 4


def test_a_file_that_is_no_spreadsheet_gets_a_message(world, admin):
    file = SimpleUploadedFile("x.xlsx", b"PK\x03\x04" + b"\x00" * 50)
    response = admin.post(reverse("takeover:index"), {"kind": "cards", "file": file, "commit": "0"})
    assert response.status_code == 200
    assert b"not a spreadsheet" in response.content or b"could not be read" in response.content


def test_an_unmatched_name_is_mapped_on_the_mapping_page(world, admin):
    _upload(admin, [card_row(site="Vanha paikka")], commit=True)
    mapping = SiteMapping.objects.get(key="vanha paikka")
    page = admin.get(reverse("takeover:mapping"))
    assert b"Vanha paikka" in page.content
    response = admin.post(reverse("takeover:mapping"), {"mapping": mapping.pk, "site": world.venue_a.pk})
    assert response.status_code == 200  # a venue for a distributor name: refused
    mapping.refresh_from_db()
    assert mapping.site is None
    admin.post(reverse("takeover:mapping"), {"mapping": mapping.pk, "site": world.distributor_a.pk})
    mapping.refresh_from_db()
    assert mapping.site == world.distributor_a


def test_a_published_row_is_entered_and_shown_marked_in_the_yearly_table_and_its_export(world, admin):
    response = admin.post(reverse("takeover:published"), ROW_2019)
    assert response.status_code == 302
    assert PublishedYear.objects.get(year=2019).total == 51188
    page = admin.get(reverse("stats:yearly"))
    assert b'class="published"' in page.content
    assert b'2019 <span class="mark">(published history)</span>' in page.content
    assert b"16193/2043/1986/22524" in page.content
    export = admin.get(reverse("stats:national_export") + "?table=yearly&format=csv")
    lines = export.content.decode("utf-8-sig").splitlines()
    assert lines[0].endswith(",Source")
    assert "2019,14789,5608,16193,2043,1986,22524,2414,27,1432,4569,51188,61,,Published history" in lines


def test_the_export_marks_computed_years_as_kaiku(world, admin, _clock):
    from kaiku.visits import services as visits
    from kaiku.visits.models import Channel

    visits.record_use(
        visits.UseRequest(venue=world.venue_a, number=world.card_a.number, channel=Channel.TYPED, idempotency_key="k1")
    )
    assert Use.objects.filter(outcome=Use.Outcome.ACCEPTED).exists()
    PublishedYear.objects.create(**{k: int(v) for k, v in ROW_2019.items()})
    export = admin.get(reverse("stats:national_export") + "?table=yearly&format=csv")
    lines = export.content.decode("utf-8-sig").splitlines()
    assert lines[1].startswith("2019,") and lines[1].endswith("Published history")
    assert lines[2].startswith("2026,") and lines[2].endswith(",Kaiku")


@pytest.mark.parametrize(
    ("change", "code"),
    [({"year": "2026"}, "year_not_past"), ({"total": "1"}, "total_mismatch")],
)
def test_a_published_row_follows_its_rules(world, change, code):
    row = PublishedYear(**{k: int(v) for k, v in {**ROW_2019, **change}.items()})
    with pytest.raises(services.PublishedError) as caught:
        services.save_published(row, None)
    assert caught.value.code == code


def test_a_published_row_is_only_for_a_year_before_any_data(world):
    from kaiku.takeover import imports
    from kaiku.takeover.reading import read_export
    from kaiku.takeover.tests.exports import USE_HEADER

    number = numbers.generate()
    imports.import_cards(read_export(csv_bytes(CARD_HEADER, [card_row(number)])), commit=True)
    uses = [[number, "2024-05-02", "Tampereen Teatteri", "0", "", "", ""]]
    assert imports.import_uses(read_export(csv_bytes(USE_HEADER, uses)), commit=True).committed
    with pytest.raises(services.PublishedError) as caught:
        services.save_published(PublishedYear(**{k: int(v) for k, v in {**ROW_2019, "year": "2024"}.items()}), None)
    assert caught.value.code == "year_has_data"
    services.save_published(PublishedYear(**{k: int(v) for k, v in {**ROW_2019, "year": "2023"}.items()}), None)


def test_the_form_shows_the_rule_in_the_users_language(world, admin):
    response = admin.post(reverse("takeover:published"), {**ROW_2019, "total": "5"})
    assert response.status_code == 200
    assert b"Total uses must be the adult and child uses added together (51188)." in response.content
    assert not PublishedYear.objects.exists()


def test_entering_a_year_again_replaces_it_and_remove_deletes_it(world, admin):
    admin.post(reverse("takeover:published"), ROW_2019)
    admin.post(reverse("takeover:published"), {**ROW_2019, "municipalities": "62"})
    assert PublishedYear.objects.get().municipalities == 62
    admin.post(reverse("takeover:published_delete", args=[PublishedYear.objects.get().pk]))
    assert not PublishedYear.objects.exists()
