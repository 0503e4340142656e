import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from kaiku.network import materials
from kaiku.network import onboarding as services
from kaiku.network.models import Area, NationalSettings
from kaiku.visits import services as visits
from kaiku.visits.models import Channel


def test_the_public_area_page_lists_distributors_and_venues_with_the_rules(world, client):
    body = client.get(
        reverse("onboarding:area_page", args=[world.area_a.pk]), HTTP_ACCEPT_LANGUAGE="sv"
    ).content.decode()
    assert "Tampereen sosiaalitoimisto" in body and "Tampereen Teatteri" in body
    assert "Var du får kortet" in body and "under 18 år" in body
    assert "Lippupiste" not in body  # agencies are not where a holder goes


def test_an_offboarded_partner_leaves_the_materials(world, client):
    services.offboard_site(world.venue_a, world.users["coordinator"])
    body = client.get(reverse("onboarding:area_page", args=[world.area_a.pk])).content.decode()
    assert "Tampereen Teatteri" not in body


def test_the_rules_follow_the_national_settings(world, client):
    rules = NationalSettings.get()
    rules.child_age_limit = 16
    rules.save()
    body = client.get(
        reverse("onboarding:area_page", args=[world.area_a.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "under 16 can come with you" in body


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_the_brochure_is_a_pdf_in_each_language(world, client, lang):
    response = client.get(reverse("onboarding:brochure", args=[world.area_a.pk]) + f"?lang={lang}")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and f"-{lang}.pdf" in response["Content-Disposition"]


def test_the_brochure_html_is_in_the_chosen_language(world):
    with translation.override("sv"):
        html = materials.render_to_string("onboarding/brochure.html", materials.brochure_context(world.area_a))
    assert 'lang="sv"' in html and "Kaikukortti i Tampere" in html and "Tampereen Teatteri" in html


def test_the_pilot_report_counts_the_pilot_and_hides_small_counts_from_coordinators(world):
    area = world.area_l
    area.pilot_start, area.pilot_end = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
    area.save()
    for i in range(6):
        visits.record_use(visits.UseRequest(world.venue_l, world.card_l.number, Channel.TYPED, f"u{i}"))
    visits.record_use(visits.UseRequest(world.venue_l, "KK-XXXX-XXXX", Channel.TYPED, "bad"))
    national = materials.pilot_figures(area, national=True)
    coordinator = materials.pilot_figures(area, national=False)
    assert national["uses"]["accepted"] == "6" and coordinator["uses"]["accepted"] == "6"
    assert national["uses"]["refused"] == "1" and coordinator["uses"]["refused"] == "<5"
    assert national["venues"][0][:2] == ("Pilotin uimahalli", "6")
    assert (national["start"], national["end"]) == (dt.date(2026, 1, 1), dt.date(2026, 6, 15))


def test_the_pilot_report_is_a_pdf(world, client):
    client.force_login(world.users["coordinator"])
    response = client.get(reverse("onboarding:pilot_report", args=[world.area_a.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_a_planned_area_is_public_only_once_it_pilots(world, client):
    area = Area.objects.create(name="Kainuu", slug="kainuu")
    url = reverse("onboarding:area_page", args=[area.pk])
    assert client.get(url).status_code == 404
    services.change_area_status(
        area, Area.Status.PILOT, None, pilot_start=dt.date(2026, 7, 1), pilot_end=dt.date(2027, 6, 30)
    )
    assert client.get(url).status_code == 200
