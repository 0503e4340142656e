"""The migration pages on a 360 px phone, through axe-core: a dry run with an error, the mapping, a published row."""

import pytest

from kaiku.takeover.tests.exports import CARD_HEADER, card_row, csv_bytes
from kaiku.testing.browser import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_national_admin_checks_an_export_maps_a_site_and_enters_a_year_on_a_phone(phone, world, tmp_path):
    sign_in(phone, world.users["national_admin"])
    export = tmp_path / "vanha.csv"
    export.write_bytes(csv_bytes(CARD_HEADER, [card_row(site="Vanha paikka"), card_row(birth_year="2020")]))
    phone.goto("/takeover/")
    assert_accessible(phone)
    phone.set_input_files("input[type=file]", str(export))
    phone.get_by_role("button", name="Lähetä").click()
    phone.wait_for_load_state()
    assert "Mitään ei tuotu" in phone.content()
    assert "Vanha paikka" in phone.content()
    assert_accessible(phone)

    phone.goto("/takeover/mapping/")
    assert_accessible(phone)
    phone.get_by_label("Kaikun toimipiste nimelle Vanha paikka").select_option(
        label="Tampereen sosiaalitoimisto (Tampere)"
    )
    phone.get_by_role("button", name="Tallenna").first.click()
    phone.wait_for_load_state()
    assert "Vastaavuus tallennettu" in phone.content()

    phone.goto("/takeover/published/")
    assert_accessible(phone)
    values = {
        "year": "2019",
        "registered": "10",
        "taken_into_use": "5",
        "adult_culture": "3",
        "adult_education": "0",
        "adult_science": "0",
        "adult_sports": "0",
        "child_culture": "1",
        "child_education": "0",
        "child_science": "0",
        "child_sports": "0",
        "total": "4",
        "municipalities": "2",
    }
    for name, value in values.items():
        phone.fill(f"input[name={name}]", value)
    phone.get_by_role("button", name="Tallenna").click()
    phone.wait_for_load_state()
    assert "Julkaistu rivi tallennettu" in phone.content()
    assert_accessible(phone)
    phone.goto("/stats/national/yearly/")
    assert "julkaistu historia" in phone.content()
    assert_accessible(phone)
