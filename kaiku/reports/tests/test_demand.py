"""Registration lists every municipality; one outside the network is refused and counted as demand."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.urls import reverse
from django.utils.translation import override

from kaiku.cards.models import Card
from kaiku.cards.services import CardError
from kaiku.network.models import Municipality
from kaiku.reports.demand import count_refused_registration, demand_by_municipality
from kaiku.reports.models import Demand
from kaiku.reports.municipalities import official


def _data(code: str) -> dict[str, str]:
    return {
        "birth_year": "1968",
        "municipality": code,
        "postal_code": "33720",
        "children": "0",
        "eligibility_confirmed": "on",
    }


def test_the_official_list_has_every_municipality_with_its_code():
    municipalities = official()
    assert len(municipalities) == 309
    assert municipalities["091"].name_sv == "Helsingfors"
    assert municipalities["020"].name_fi == "Akaa"
    assert all(len(code) == 3 and code.isdigit() for code in municipalities)


def test_the_registration_form_lists_every_finnish_municipality(world):
    client = world.client_for("distributor")
    form = client.get(reverse("cards:register", args=[world.distributor_a.pk])).context["form"]
    codes = {code for code, _name in form.fields["municipality"].choices if code}
    assert codes == set(official())
    assert ("091", "Helsinki") in form.fields["municipality"].choices


def test_a_registration_outside_the_network_is_refused_and_counted(world):
    client = world.client_for("distributor")
    url = reverse("cards:register", args=[world.distributor_a.pk])
    cards = Card.objects.count()
    for _ in range(2):
        response = client.post(url, _data("091"))  # Helsinki: not in the network
        assert response.status_code == 200
        with override("fi"):
            message = str(CardError.MESSAGES["municipality_not_in_network"])
        assert message in response.content.decode()
    assert Card.objects.count() == cards
    assert list(Demand.objects.values_list("municipality_code", "month", "count")) == [("091", dt.date(2026, 6, 1), 2)]
    # Nothing else is kept: no site, worker, card or time of day.
    assert [f.name for f in Demand._meta.get_fields()] == ["id", "municipality_code", "month", "count"]
    assert not Municipality.objects.filter(code="091").exists()


def test_a_local_only_site_lists_its_own_areas_municipalities(world):
    from kaiku.cards.forms import RegisterForm

    choices = RegisterForm(site=world.distributor_l).fields["municipality"].choices
    assert [code for code, _name in choices if code] == [world.muni_l.code]


def test_a_municipality_of_an_area_still_planning_counts_as_demand(world):
    from kaiku.network.tests.factories import AreaFactory

    planning = AreaFactory(name="Suunnitteilla", slug="suunnitteilla", status="planning")
    Municipality.objects.create(code="049", name_fi="Espoo", name_sv="Esbo", area=planning)
    client = world.client_for("distributor")
    client.post(reverse("cards:register", args=[world.distributor_a.pk]), _data("049"))
    assert Demand.objects.get().municipality_code == "049"


def test_a_registration_in_the_network_is_not_counted(world):
    client = world.client_for("distributor")
    response = client.post(reverse("cards:register", args=[world.distributor_a.pk]), _data(world.muni_a.code))
    assert response.status_code == 302
    client.post(
        reverse("cards:register", args=[world.distributor_a.pk]), {**_data(world.muni_a.code), "postal_code": "x"}
    )
    assert not Demand.objects.exists()


def test_an_unknown_code_is_a_form_error_and_not_counted(world):
    client = world.client_for("distributor")
    response = client.post(reverse("cards:register", args=[world.distributor_a.pk]), _data("999"))
    assert response.status_code == 200 and "municipality" in response.context["form"].errors
    count_refused_registration("999")
    assert not Demand.objects.exists()


def test_demand_by_municipality_counts_by_month(db):
    with time_machine.travel(dt.datetime(2026, 4, 3, 12, 0), tick=False):
        count_refused_registration("091")
    count_refused_registration("091")
    count_refused_registration("049")
    count_refused_registration("049", on=dt.date(2024, 1, 5))  # older than a year: not shown
    months, rows = demand_by_municipality()
    assert months[0] == "2025-07" and months[-1] == "2026-06" and len(months) == 12
    assert [(r.name, r.total, r.by_month) for r in rows] == [
        ("Helsinki", 2, {"2026-04": 1, "2026-06": 1}),
        ("Espoo", 1, {"2026-06": 1}),
    ]


def test_the_national_admin_sees_demand_by_municipality(world):
    count_refused_registration("091")
    response = world.client_for("national_admin").get(reverse("reports:demand"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Helsinki (091)" in body
    assert world.client_for("coordinator").get(reverse("reports:demand")).status_code == 403
