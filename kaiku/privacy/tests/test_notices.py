"""The privacy notice and accessibility statement, built from the national settings, in fi/sv/en."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kaiku.door.tests.poppler import pdf_text, pdf_to_png
from kaiku.network.models import NationalSettings


@pytest.fixture
def rules(db):
    rules = NationalSettings.get()
    rules.controller = "Kaikukortti-tukipalvelu, Esimerkkikatu 1, Helsinki"
    rules.privacy_contact = "tietosuoja@example.fi"
    rules.dpo_contact = "dpo@example.fi"
    rules.accessibility_feedback = "saavutettavuus@example.fi"
    rules.holder_details_years = 3
    rules.save()
    return rules


@pytest.mark.parametrize(
    ("language", "heading"), [("fi", "Tietosuojaseloste"), ("sv", "Dataskyddsbeskrivning"), ("en", "Privacy notice")]
)
def test_the_privacy_notice_names_the_controller_and_retention_in_each_language(client, rules, language, heading):
    client.cookies["kaiku_language"] = language
    body = client.get(reverse("privacy:notice")).content.decode()
    assert heading in body
    for value in (rules.controller, rules.privacy_contact, rules.dpo_contact):
        assert value in body
    assert "3" in body and reverse("privacy:notice_pdf") in body


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_printable_notice_is_one_page(client, rules, language, tmp_path):
    response = client.get(reverse("privacy:notice_pdf"), {"lang": language})
    assert response["Content-Type"] == "application/pdf"
    assert len(pdf_to_png(response.content, tmp_path, 30)) == 1
    assert "tietosuoja@example.fi" in pdf_text(response.content)


def test_the_accessibility_statement_gives_the_feedback_channel(client, rules):
    body = client.get(reverse("privacy:accessibility")).content.decode()
    assert rules.accessibility_feedback in body


def test_the_registration_form_links_the_printable_notice(world):
    page = world.client_for("distributor").get(reverse("cards:register", args=[world.distributor_a.pk]))
    assert reverse("privacy:notice_pdf") in page.content.decode()


def test_the_holder_slip_gives_the_notice_address(world):
    from kaiku.door.printables import holder_slip_pdf

    pdf = holder_slip_pdf(world.card_a, None, "en")
    assert "/privacy/" in pdf_text(pdf)
