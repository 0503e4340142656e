"""The outreach pages: tips, renewals due, the venue's feedback and the area's themes."""

import datetime as dt

import pytest
from django.utils import timezone

from kaiku.cards.tests.factories import CardFactory
from kaiku.outreach.models import RenewalReminder, WorkerTip
from kaiku.outreach.tests.conftest import date_of, offer_at
from kaiku.portal.models import Feedback
from kaiku.portal.services import _new_device, give_feedback
from kaiku.portal.tests.conftest import holder_client
from kaiku.privacy.models import ReadEntry
from kaiku.visits.services import UseRequest, record_use

pytestmark = pytest.mark.django_db


def test_it_gives_a_printed_tip_and_serves_the_slip(world):
    occ = date_of(offer_at(world.venue_a, "Kevätkonsertti"))
    client = world.client_for("distributor")
    page = client.get(f"/outreach/cards/{world.card_a.pk}/tip/")
    assert "Kevätkonsertti" in page.content.decode()
    response = client.post(
        f"/outreach/cards/{world.card_a.pk}/tip/", {"what": f"d{occ.pk}", "delivery": "print", "language": "sv"}
    )
    tip = WorkerTip.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/outreach/tips/{tip.pk}/"
    assert (tip.occurrence, tip.language, tip.site) == (occ, "sv", world.distributor_a)
    slip = client.get(f"/outreach/tips/{tip.pk}/slip.pdf")
    assert slip["Content-Type"] == "application/pdf" and "no-store" in slip["Cache-Control"]


def test_a_portal_tip_for_a_holder_without_the_portal_is_refused_with_a_message(world):
    offer = offer_at(world.venue_a, kind="ongoing")
    client = world.client_for("distributor")
    response = client.post(
        f"/outreach/cards/{world.card_a.pk}/tip/", {"what": f"o{offer.pk}", "delivery": "portal", "language": "fi"}
    )
    assert response.status_code == 400
    assert "Tulosta lappu" in response.content.decode()
    assert not WorkerTip.objects.exists()


def test_an_unknown_choice_is_a_form_error_not_a_500(world):
    client = world.client_for("distributor")
    response = client.post(f"/outreach/cards/{world.card_a.pk}/tip/", {"what": "d999999", "delivery": "print"})
    assert response.status_code == 400 and not WorkerTip.objects.exists()


def test_a_portal_tip_reaches_the_holders_start_page_with_the_site_as_sender(world):
    _new_device(world.card_a, "code")
    occ = date_of(offer_at(world.venue_a, "Jazzilta"))
    response = world.client_for("distributor").post(
        f"/outreach/cards/{world.card_a.pk}/tip/", {"what": f"d{occ.pk}", "delivery": "portal", "language": "fi"}
    )
    assert response.status_code == 302 and response["Location"] == f"/cards/{world.card_a.pk}/"
    home = holder_client(world.card_a).get("/portal/").content.decode()
    assert "Jazzilta" in home and world.distributor_a.name in home
    assert "Jazzilta" not in holder_client(world.card_b).get("/portal/").content.decode()


def test_renewals_due_show_number_kind_and_expiry_only_and_are_logged(world):
    today = timezone.localdate()
    soon = CardFactory(
        site=world.distributor_a, valid_until=today + dt.timedelta(days=12), birth_year=1944, postal_code="33777"
    )
    later = CardFactory(site=world.distributor_a, valid_until=today + dt.timedelta(days=45))
    response = world.client_for("distributor").get(f"/outreach/sites/{world.distributor_a.pk}/renewals/")
    body = response.content.decode()
    assert soon.display_number in body and later.display_number not in body
    assert "1944" not in body and "33777" not in body and "Tampere" not in body.split("<main")[1].split("<h1")[0]
    assert "no-store" in response["Cache-Control"]
    entry = ReadEntry.objects.get()
    assert entry.what == ReadEntry.What.CARD_SEARCH and soon.number not in entry.detail


def test_the_portal_shows_the_renewal_reminder_naming_the_site(world):
    RenewalReminder.objects.create(card=world.card_a, valid_until=world.card_a.valid_until, site=world.distributor_a)
    body = holder_client(world.card_a).get("/portal/").content.decode()
    assert "Korttisi on aika uusia" in body and world.distributor_a.name in body


# --- Feedback ---------------------------------------------------------------------------


def _answers(world, n, *, venue=None, text="Hieno ilta", card_site=None, days_ago=0, **kwargs):
    venue = venue or world.venue_a
    made = []
    for i in range(n):
        card = CardFactory(site=card_site or world.distributor_a, municipality=world.muni_a)
        use = record_use(
            UseRequest(venue=venue, number=card.number, channel="typed", idempotency_key=f"fb-{venue.pk}-{card.pk}")
        ).use
        assert use is not None
        if days_ago:
            type(use).objects.filter(pk=use.pk).update(used_on=use.used_on - dt.timedelta(days=days_ago))
        made.append(give_feedback(use, score=4, went_with_someone=True, text=f"{text} {i}", **kwargs))
    return made


def test_the_venue_admin_reads_no_comment_until_the_month_has_five_answers(world):
    _answers(world, 4, text="Salainen")
    _answers(world, 3, venue=world.venue_b, text="Muualla")  # another venue's answers do not count
    client = world.client_for("venue_admin")
    body = client.get(f"/outreach/venues/{world.venue_a.pk}/feedback/").content.decode()
    assert "Salainen" not in body and "&lt;5" in body
    _answers(world, 1, text="Viides")
    body = client.get(f"/outreach/venues/{world.venue_a.pk}/feedback/").content.decode()
    assert "Salainen 0" in body and "Viides 0" in body and "Muualla" not in body
    assert "Kesäkuu 2026" in body
    for card_text in (world.card_a.number, "15.6.2026", "1957", "33999"):
        assert card_text not in body


def test_a_comment_marked_not_for_the_venue_counts_but_is_never_shown(world):
    _answers(world, 4, text="Julkinen")
    _answers(world, 1, text="Yksityinen", not_for_venue=True)
    body = world.client_for("venue_admin").get(f"/outreach/venues/{world.venue_a.pk}/feedback/").content.decode()
    assert "Julkinen 0" in body and "Yksityinen" not in body


def test_months_are_counted_apart(world):
    _answers(world, 5, text="Kesä")
    _answers(world, 4, text="Edellinen", days_ago=31)
    body = world.client_for("venue_admin").get(f"/outreach/venues/{world.venue_a.pk}/feedback/").content.decode()
    assert "Kesä 0" in body and "Edellinen" not in body


def test_the_holder_flags_the_comment_in_the_feedback_form(world):
    use = record_use(
        UseRequest(venue=world.venue_a, number=world.card_a.number, channel="typed", idempotency_key="flag")
    ).use
    response = holder_client(world.card_a).post(
        f"/portal/uses/{use.pk}/feedback/", {"score": 5, "text": "Vain tilastoihin", "not_for_venue": "on"}
    )
    assert response.status_code == 200
    assert Feedback.objects.get(use=use).not_for_venue is True


def test_coordinators_see_rating_counts_per_venue_suppressed_and_no_text(world):
    _answers(world, 6, text="Teksti")
    _answers(world, 2, venue=world.venue_b, text="Toinen alue")
    body = world.client_for("coordinator").get(f"/outreach/areas/{world.area_a.pk}/feedback/").content.decode()
    assert "Teksti" not in body
    assert world.venue_a.name in body and world.venue_b.name not in body
    assert '<td class="num">6</td>' in body
    national = world.client_for("national_admin").get(f"/outreach/areas/{world.area_b.pk}/feedback/")
    assert '<td class="num">2</td>' in national.content.decode()
    coordinator_b = world.client_for("national_admin")
    assert coordinator_b.get(f"/outreach/areas/{world.area_b.pk}/feedback/?year=1999").status_code == 400


def test_a_small_count_is_hidden_from_the_coordinator(world):
    _answers(world, 2)
    body = world.client_for("coordinator").get(f"/outreach/areas/{world.area_a.pk}/feedback/").content.decode()
    assert "&lt;5" in body and '<td class="num">2</td>' not in body


def test_area_tip_figures_hide_small_counts(world):
    offer = offer_at(world.venue_a)
    WorkerTip.objects.create(
        site=world.distributor_a, card=world.card_a, offer=offer, delivery="print", given_on=timezone.localdate()
    )
    body = world.client_for("coordinator").get(f"/outreach/areas/{world.area_a.pk}/tips/").content.decode()
    assert world.distributor_a.name in body and "&lt;5" in body


def test_the_holders_data_download_has_the_workers_tips_and_reminders(world):
    offer = offer_at(world.venue_a, "Kevätkonsertti")
    WorkerTip.objects.create(
        site=world.distributor_a, card=world.card_a, offer=offer, delivery="print", given_on=timezone.localdate()
    )
    RenewalReminder.objects.create(card=world.card_a, valid_until=world.card_a.valid_until, site=world.distributor_a)
    data = holder_client(world.card_a).get("/portal/my-data/download/").json()
    assert data["workers_tips"][0]["offer"] == "Kevätkonsertti"
    assert data["workers_tips"][0]["from_site"] == world.distributor_a.name
    assert data["renewal_reminders"][0]["valid_until"] == world.card_a.valid_until.isoformat()


def test_the_area_catalogue_links_to_the_printed_whats_on(world, client):
    body = client.get(f"/offers/area/{world.area_a.slug}/").content.decode()
    assert f"/outreach/areas/{world.area_a.slug}/whats-on.pdf?lang=sv" in body


def test_a_holder_keeps_an_earlier_comment_from_the_venue(world):
    use = record_use(
        UseRequest(venue=world.venue_a, number=world.card_a.number, channel="typed", idempotency_key="later")
    ).use
    give_feedback(use, score=3, went_with_someone=None, text="Myöhemmin katuen")
    client = holder_client(world.card_a)
    page = client.get("/portal/uses/").content.decode()
    assert "Älä näytä kommenttiani kohteelle" in page, page[page.find("<main") :]
    assert client.post(f"/portal/uses/{use.pk}/feedback/private/").status_code == 302
    assert Feedback.objects.get(use=use).not_for_venue is True
    assert "Kommenttiasi ei näytetä kohteelle" in client.get("/portal/uses/").content.decode()
    # Another holder's use is not found.
    assert holder_client(world.card_b).post(f"/portal/uses/{use.pk}/feedback/private/").status_code == 404
