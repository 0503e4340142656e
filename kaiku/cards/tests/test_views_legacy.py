"""The national admin's page of legacy number formats."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from kaiku.audit.models import AuditEntry
from kaiku.cards import legacy, numbers
from kaiku.cards.legacy import LegacyFormatError
from kaiku.cards.models import LegacyFormat

URL = reverse("cards:legacy_formats")
VALID = {
    "name": "Old letters",
    "pattern": "[A-Z]{2}[0-9]{6}",
    "example": "KA 004711",
    "fold_case": "on",
    "ignore_spaces": "on",
}


def test_it_declares_a_format_that_is_accepted_at_once(world):
    client = world.client_for("national_admin")
    response = client.post(URL, {**VALID, "ignore_spaces": "on", "ignore_dashes": "on", "active": "on"})
    assert response.status_code == 302
    row = LegacyFormat.objects.get()
    assert (row.pattern, row.example, row.active) == ("[A-Z]{2}[0-9]{6}", "KA 004711", True)
    assert legacy.parse_any("ka-004711").canonical == "KA004711"
    page = client.get(URL)
    assert "no-store" in page["Cache-Control"]
    assert "[A-Z]{2}[0-9]{6}" in page.content.decode()


@pytest.mark.parametrize(
    ("data", "field", "code"),
    [
        ({"pattern": "(A+)+B", "example": "AB"}, "pattern", "pattern_backtracking"),
        ({"pattern": "[A-Z"}, "pattern", "pattern_invalid"),
        ({"pattern": "(?<=A)B", "example": "B"}, "pattern", "pattern_invalid"),
        ({"example": "KA00471"}, "example", "example_no_match"),
        ({"pattern": "[A-Z]{1,3}", "example": "X"}, "example", "example_reserved"),
    ],
)
def test_a_bad_format_is_refused_with_a_translated_message_and_nothing_saved(world, data, field, code):
    client = world.client_for("national_admin")
    with translation.override("fi"):
        expected = str(LegacyFormatError(code).message)
    client.cookies["kaiku_language"] = "fi"
    response = client.post(URL, {**VALID, **data})
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [expected]
    assert not LegacyFormat.objects.exists()


def test_a_pattern_over_the_length_limit_is_refused_by_the_form(world):
    client = world.client_for("national_admin")
    response = client.post(URL, {**VALID, "pattern": "A" * 500})
    assert response.status_code == 200 and "pattern" in response.context["form"].errors
    assert not LegacyFormat.objects.exists()


def test_it_changes_and_withdraws_a_format_with_an_audit_entry(world):
    client = world.client_for("national_admin")
    client.post(URL, {**VALID, "active": "on"})
    row = LegacyFormat.objects.get()
    response = client.post(reverse("cards:legacy_format", args=[row.pk]), {**VALID, "pattern": "[A-Z]{2}[0-9]{5,6}"})
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.pattern, row.active) == ("[A-Z]{2}[0-9]{5,6}", False)
    entry = AuditEntry.objects.get(action="cards.legacy_format_changed")
    assert entry.changes == {"pattern": ["[A-Z]{2}[0-9]{6}", "[A-Z]{2}[0-9]{5,6}"], "active": [True, False]}
    with pytest.raises(numbers.InvalidCardNumber):
        legacy.parse_any("KA004711")


def test_an_unknown_format_is_404_for_the_national_admin(world):
    client = world.client_for("national_admin")
    assert client.get(reverse("cards:legacy_format", args=[9999])).status_code == 404


def test_every_refusal_has_a_finnish_and_swedish_message():
    for code in LegacyFormatError.MESSAGES:
        with translation.override("en"):
            english = LegacyFormatError(code, max=1).message
        for language in ("fi", "sv"):
            with translation.override(language):
                assert LegacyFormatError(code, max=1).message != english, (code, language)
