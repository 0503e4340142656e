"""Flows a person does on a phone: accepting an invitation, the coordinator's onboarding page,
an import with row errors, and the public area page; each checked with axe-core."""

import io

import pytest
from openpyxl import Workbook

from kaiku.accounts.models import RoleAssignment
from kaiku.network import onboarding as services
from kaiku.network.models import Invitation
from kaiku.testing.browser import assert_accessible, set_language, sign_in
from kaiku.testing.world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_partner_admin_accepts_the_invitation_and_acknowledges_the_guideline(phone):
    world = build_world()
    services.publish_guideline("2026.1", "Free tickets, no income proof.", "", world.users["national_admin"])
    sent = services.invite(world.venue_a, "uusi@example.org", Invitation.Kind.ADMIN, world.users["coordinator"])
    phone.goto(f"/partners/invite/{sent.token}/")
    assert_accessible(phone)
    phone.get_by_label("Nimesi").fill("Uusi Vastaava")
    phone.get_by_label("Valitse salasana").fill("pitkä ja hyvä salasana")
    phone.get_by_label("Kumppanin yhteyshenkilö").fill("Uusi Vastaava")
    assert phone.get_by_label("Olen lukenut", exact=False).get_attribute("required") is not None
    phone.get_by_label("Olen lukenut", exact=False).check()
    phone.get_by_role("button", name="Luo tunnukseni").click()
    phone.wait_for_url("**/")
    assert RoleAssignment.objects.filter(user__email="uusi@example.org", site=world.venue_a).exists()
    phone.goto("/partners/")
    assert phone.get_by_text("Ohjeistus 2026.1 kuitattu").is_visible()
    assert_accessible(phone)


def test_a_coordinator_uses_the_onboarding_page_and_sees_import_errors_in_swedish(phone, tmp_path):
    world = build_world()
    sign_in(phone, world.users["coordinator"])
    set_language(phone, "sv")
    phone.goto(f"/partners/areas/{world.area_a.pk}/")
    assert_accessible(phone)
    phone.locator("form:has(input[value=venues]) button").click()
    assert phone.locator("li:has(input[value=venues]) .muted").is_visible()
    wb = Workbook()
    wb.active.append(["Typ", "Namn", "Kommunkod", "Sektor"])
    wb.active.append(["venue", "Nytt museum", "297", "culture"])
    path = tmp_path / "partners.xlsx"
    buffer = io.BytesIO()
    wb.save(buffer)
    path.write_bytes(buffer.getvalue())
    phone.goto(f"/partners/areas/{world.area_a.pk}/import/")
    phone.locator("input[type=file]").set_input_files(str(path))
    phone.get_by_role("button", name="Importera").click()
    assert phone.get_by_role("cell", name="Kommunkod").is_visible()
    assert_accessible(phone)


def test_the_public_area_page_works_on_a_phone(phone):
    world = build_world()
    phone.goto(f"/partners/areas/{world.area_a.pk}/public/")
    assert phone.get_by_text("Tampereen Teatteri").is_visible()
    assert_accessible(phone)
    phone.goto("/api/partners/")
    assert phone.locator("#partner_record_use").is_visible()
    assert_accessible(phone)


def test_venue_staff_choose_what_repeated_rows_mean_on_a_phone(phone, tmp_path):
    from django.utils import timezone

    from kaiku.visits.models import Use

    world = build_world()
    sign_in(phone, world.users["venue_staff"])
    set_language(phone, "en")
    wb = Workbook()
    wb.active.append(["Date", "Card number", "Adults"])
    for _ in range(2):
        wb.active.append([timezone.localdate().isoformat(), world.card_a.number, 1])
    path = tmp_path / "uses.xlsx"
    buffer = io.BytesIO()
    wb.save(buffer)
    path.write_bytes(buffer.getvalue())
    phone.goto(f"/visits/venue/{world.venue_a.pk}/import/")
    phone.locator("input[type=file]").set_input_files(str(path))
    phone.get_by_role("button", name="Import").click()
    assert phone.get_by_role("cell", name="The same as row 2", exact=False).is_visible()
    assert_accessible(phone)
    phone.locator("input[type=file]").set_input_files(str(path))
    phone.get_by_label("Record repeated rows as separate uses").check()
    phone.get_by_role("button", name="Import").click()
    phone.get_by_text("1 rows repeated an earlier row", exact=False).wait_for(timeout=10_000)
    assert Use.objects.filter(venue=world.venue_a, channel="import").count() == 2
