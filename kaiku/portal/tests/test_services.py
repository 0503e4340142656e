import datetime as dt
import io
import json

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone, translation

from kaiku.cards.services import renew_card
from kaiku.network.models import NationalSettings
from kaiku.portal import services
from kaiku.portal.digest import send_digests
from kaiku.portal.models import Feedback, GroupVisitParticipant, HolderMail, HolderPreference, WellbeingAnswer
from kaiku.portal.services import PortalError
from kaiku.portal.tests.conftest import community_card, holder_client, make_group_visit, make_occurrence, make_offer
from kaiku.portal.tips import catalogue, tips_for
from kaiku.visits.services import UseRequest, record_use, void_use


def use_of(card, venue, key="k1", **kwargs):
    result = record_use(UseRequest(venue=venue, number=card.number, channel="scan", idempotency_key=key, **kwargs))
    assert result.accepted, result.reason
    return result.use


# --- Feedback ---------------------------------------------------------------------------


def test_feedback_is_asked_once_per_use(world):
    use = use_of(world.card_a, world.venue_a)
    assert services.feedback_pending(world.card_a) == [use]
    first = services.give_feedback(use, score=4, went_with_someone=True, text=" Hieno ")
    again = services.give_feedback(use, score=1, went_with_someone=False)
    assert again.pk == first.pk and again.score == 4 and first.text == "Hieno"
    assert services.feedback_pending(world.card_a) == []


def test_skipping_feedback_stops_the_question(world):
    use = use_of(world.card_a, world.venue_a)
    skipped = services.give_feedback(use, score=None, went_with_someone=True, text="x")
    assert skipped.score is None and skipped.went_with_someone is None and skipped.text == ""
    assert services.feedback_pending(world.card_a) == []


def test_feedback_score_must_be_one_to_five(world):
    use = use_of(world.card_a, world.venue_a)
    with pytest.raises(PortalError) as exc:
        services.give_feedback(use, score=6, went_with_someone=None)
    assert exc.value.code == "score_invalid"
    assert not Feedback.objects.exists()


def test_voided_uses_get_no_feedback_question(world):
    use = use_of(world.card_a, world.venue_a)
    void_use(use, "mistake", world.users["venue_staff"])
    assert services.feedback_pending(world.card_a) == []
    with pytest.raises(PortalError):
        services.give_feedback(use, score=3, went_with_someone=None)


def test_venue_aggregates_are_suppressed_below_the_small_count_threshold(world):
    threshold = NationalSettings.get().small_count_threshold
    from kaiku.cards.tests.factories import CardFactory

    cards = [CardFactory(site=world.distributor_a, municipality=world.muni_a) for _ in range(threshold)]
    for i, card in enumerate(cards[: threshold - 1]):
        services.give_feedback(use_of(card, world.venue_a, key=f"f{i}"), score=5, went_with_someone=True)
    assert Feedback.objects.for_venue(world.venue_a).summary() is None
    last = cards[threshold - 1]
    services.give_feedback(use_of(last, world.venue_a, key="last"), score=3, went_with_someone=False)
    summary = Feedback.objects.for_venue(world.venue_a).summary()
    assert summary["answers"] == threshold
    assert summary["with_someone"] == threshold - 1
    assert Feedback.objects.for_venue(world.venue_b).summary() is None


def test_feedback_requests_go_by_email_once_with_consent(world, django_capture_on_commit_callbacks):
    world.card_a.portal_consent, world.card_a.email = True, "holder@example.org"
    world.card_a.save()
    use_of(world.card_a, world.venue_a)
    use_of(world.card_b, world.venue_b, key="b")  # no consent: no e-mail
    with django_capture_on_commit_callbacks(execute=True):
        call_command("portal_feedback_mails", stdout=io.StringIO())
        assert services.send_feedback_requests() == 0
    assert len(mail.outbox) == 1
    assert "/portal/feedback/" in mail.outbox[0].body
    assert HolderMail.objects.filter(kind="feedback").count() == 1


def test_the_feedback_link_answers_for_its_use_only(world, client):
    use = use_of(world.card_a, world.venue_a)
    url = f"/portal/feedback/{services.feedback_token(use)}/"
    assert client.get(url).status_code == 200
    client.post(url, {"score": 2, "with_someone": "no"})
    assert Feedback.objects.get(use=use).channel == "email"
    assert client.get(url).context["already"] is True
    assert Feedback.objects.count() == 1
    assert client.get(url[:-3] + "xx/").status_code == 404


# --- Wellbeing --------------------------------------------------------------------------


def _surveyed(card):
    card.survey_consent = True
    card.save()
    return card


def test_the_survey_is_due_at_registration_and_each_renewal(world, _clock):
    card = _surveyed(world.card_a)
    assert services.survey_due(card) == "registration"
    services.answer_survey(card, {"mood": 3, "energy": 4, "belonging": 0, "interest": 5, "rest": None})
    assert services.survey_due(card) is None
    _clock.shift(dt.timedelta(days=300))
    renew_card(card, world.users["distributor"])
    card.refresh_from_db()
    assert services.survey_due(card) == "renewal"
    services.answer_survey(card, {}, declined=True)
    assert services.survey_due(card) is None
    rows = WellbeingAnswer.objects.filter(card=card).order_by("period_start")
    assert [(r.occasion, r.declined, r.mood) for r in rows] == [("registration", False, 3), ("renewal", True, None)]


def test_the_survey_needs_consent_and_valid_answers(world):
    assert services.survey_due(world.card_a) is None  # no consent
    card = _surveyed(world.card_a)
    with pytest.raises(PortalError) as exc:
        services.answer_survey(card, {"mood": 6})
    assert exc.value.code == "answer_invalid"
    assert not WellbeingAnswer.objects.exists()
    assert services.survey_due(community_card(world)) is None


def test_sign_in_leads_to_the_survey_when_it_is_due(world, client):
    from kaiku.portal.tests.conftest import CODE, with_code

    _surveyed(with_code(world.card_a))
    response = client.post("/portal/sign-in/", {"number": world.card_a.number, "code": CODE})
    assert response["Location"].startswith("/portal/survey/")
    page = client.get("/portal/survey/")
    assert page.status_code == 200
    response = client.post("/portal/survey/", {"mood": "2", "energy": "3", "next": "/portal/card/"})
    assert response["Location"] == "/portal/card/"
    answer = WellbeingAnswer.objects.get(card=world.card_a)
    assert (answer.mood, answer.energy, answer.rest) == (2, 3, None)


# --- Group visits -----------------------------------------------------------------------


def test_a_holder_of_the_area_joins_a_group_once_and_it_fills_up(world):
    from kaiku.cards.tests.factories import CardFactory

    visit = make_group_visit(world, max_size=2)
    services.join_group_visit(world.card_a, visit)
    services.join_group_visit(world.card_a, visit)  # idempotent
    other = CardFactory(site=world.distributor_a, municipality=world.muni_a)
    services.join_group_visit(other, visit)
    third = CardFactory(site=world.distributor_a, municipality=world.muni_a)
    with pytest.raises(PortalError) as exc:
        services.join_group_visit(third, visit)
    assert exc.value.code == "group_full"
    assert GroupVisitParticipant.objects.filter(group_visit=visit).count() == 2
    services.leave_group_visit(world.card_a, visit)
    services.join_group_visit(third, visit)


@pytest.mark.parametrize(
    ("case", "code"),
    [("other_area", "group_other_area"), ("cancelled", "group_cancelled"), ("community", "not_personal_card")],
)
def test_joining_a_group_is_refused_with_a_reason(world, case, code):
    visit = make_group_visit(world, site=world.distributor_b if case == "other_area" else None)
    card = world.card_a
    if case == "cancelled":
        services.cancel_group_visit(visit, world.users["distributor"])
    if case == "community":
        card = community_card(world)
    with pytest.raises(PortalError) as exc:
        services.join_group_visit(card, visit)
    assert exc.value.code == code


def test_staff_create_a_group_visit_with_their_community_card(world):
    offer = make_offer(world.venue_a)
    occ = make_occurrence(offer, days=5)
    card = community_card(world)
    details = services.GroupVisitDetails(
        offer=offer,
        occurrence=occ,
        meets_at=occ.starts_at - dt.timedelta(minutes=30),
        meeting_place="Teatterin aula",
        max_size=6,
        community_card=card,
    )
    visit = services.create_group_visit(world.distributor_a, details, world.users["distributor"])
    assert list(services.visible_group_visits(world.card_a)) == [visit]
    assert list(services.visible_group_visits(world.card_b)) == []
    details.community_card = world.card_a  # a personal card
    with pytest.raises(PortalError) as exc:
        services.create_group_visit(world.distributor_a, details, world.users["distributor"])
    assert exc.value.code == "community_card_invalid"


def test_the_staff_form_creates_a_group_visit(world):
    offer = make_offer(world.venue_a)
    card = community_card(world)
    client = world.client_for("distributor")
    when = (timezone.localtime() + dt.timedelta(days=4)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        f"/portal/sites/{world.distributor_a.pk}/groups/new/",
        {"offer": offer.pk, "meets_at": when, "meeting_place": "Aula", "max_size": 4, "community_card": card.pk},
    )
    assert response.status_code == 302
    bad = client.post(
        f"/portal/sites/{world.distributor_a.pk}/groups/new/",
        {
            "offer": offer.pk,
            "meets_at": "2020-01-01T10:00",
            "meeting_place": "Aula",
            "max_size": 4,
            "community_card": card.pk,
        },
    )
    assert bad.status_code == 200 and world.distributor_a.group_visits.count() == 1


# --- The holder's own data --------------------------------------------------------------


def test_withdrawing_email_consent_deletes_the_address(world):
    card = world.card_a
    card.portal_consent, card.email, card.survey_consent = True, "holder@example.org", True
    card.save()
    services.set_digest(card, True)
    services.withdraw_consents(card, survey=True)
    card.refresh_from_db()
    assert card.survey_consent is False and card.email == "holder@example.org"
    services.delete_portal_email(card)
    card.refresh_from_db()
    assert (card.portal_consent, card.email) == (False, "")
    assert HolderPreference.objects.get(card=card).digest is False
    event = card.events.last()
    assert event.kind == "corrected" and "email" in event.details["fields"]
    from kaiku.audit.models import AuditEntry

    entry = AuditEntry.objects.filter(action="portal.holder_changed_card").last()
    assert "holder@example.org" not in json.dumps(entry.changes)


def test_the_download_holds_the_cards_data(world):
    use_of(world.card_a, world.venue_a)
    client = holder_client(world.card_a)
    response = client.get("/portal/my-data/download/")
    assert response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    assert data["card"]["birth_year"] == 1957 and data["card"]["postal_code"] == "33999"
    assert len(data["uses"]) == 1 and data["uses"][0]["venue"] == world.venue_a.name
    assert len(data["signed_in_devices"]) == 1


# --- Tips and the digest ----------------------------------------------------------------


def test_tips_put_last_minute_places_first_and_give_a_reason(world):
    concert = make_offer(world.venue_a, art_form="music", title_fi="Vanha konsertti")
    use_of(world.card_a, world.venue_a, offer=concert)
    last_minute = make_offer(world.venue_a, art_form="theatre", title_fi="Näytelmä", quota=3)
    make_occurrence(last_minute, days=2)
    full = make_offer(world.venue_a, art_form="dance", title_fi="Täysi", quota=0)
    make_occurrence(full, days=2)
    similar = make_offer(world.venue_a, art_form="music", title_fi="Uusi konsertti")
    elsewhere = make_offer(world.venue_b, art_form="music", title_fi="Kuopion konsertti")
    excluded = make_offer(world.venue_a, art_form="music", excluded=True)
    released = make_offer(world.venue_a, art_form="circus", title_fi="Sirkus", quota=0)
    make_occurrence(released, days=4, extra_seats=2)
    tips = tips_for(world.card_a)
    assert [t.offer for t in tips][:3] == [released, last_minute, similar]
    assert tips[0].reason == "last_minute" and tips[0].places_left == 2
    assert tips[1].reason == "places_left" and tips[1].places_left == 3
    with translation.override("en"):
        assert str(tips[2].reason_text) == "Because you went to a concert"
    with translation.override("fi"):
        assert str(tips[2].reason_text) == "Koska kävit konsertissa"
    offers = {t.offer for t in tips}
    assert not offers & {concert, elsewhere, excluded}
    assert full not in {t.offer for t in tips if t.reason == "places_left"}
    assert {t.reason for t in tips[3:]} <= {"new"}
    listed = [o for o, _occ in catalogue(world.card_a)]
    assert last_minute in listed and elsewhere not in listed and excluded not in listed


def test_the_digest_goes_only_to_holders_who_asked_and_consented(world, django_capture_on_commit_callbacks):
    make_offer(world.venue_a)
    card = world.card_a
    card.portal_consent, card.email = True, "holder@example.org"
    card.save()
    HolderPreference.objects.create(card=card, digest=True, language="en")
    HolderPreference.objects.create(card=world.card_b, digest=True)  # no consent or address
    with django_capture_on_commit_callbacks(execute=True):
        assert send_digests() == 1
        assert send_digests() == 0  # not twice in a week
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["holder@example.org"]
    assert "New in your area" in mail.outbox[0].body


# --- Reservations from the portal -------------------------------------------------------


def test_a_holder_reserves_and_cancels_a_place(world):
    from kaiku.offers.models import Reservation

    offer = make_offer(world.venue_a, ticket_method="reservation", quota=1)
    occ = make_occurrence(offer, days=3)
    client = holder_client(world.card_a)
    assert client.post(f"/portal/offers/dates/{occ.pk}/reserve/").status_code == 302
    client.post(f"/portal/offers/dates/{occ.pk}/reserve/")  # twice is once
    reservation = Reservation.objects.get(card=world.card_a)
    assert (reservation.via, reservation.status) == ("portal", "active")
    assert occ.pk in holder_client(world.card_a).get("/portal/offers/").context["reserved"]
    # The only place is held: another holder is told the places are taken.
    other = holder_client(_second_card(world))
    response = other.post(f"/portal/offers/dates/{occ.pk}/reserve/", follow=True)
    assert Reservation.objects.count() == 1
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert client.post(f"/portal/reservations/{reservation.pk}/cancel/").status_code == 302
    reservation.refresh_from_db()
    assert reservation.status == "cancelled" and reservation.cancelled_by_holder


def _second_card(world):
    from kaiku.cards.tests.factories import CardFactory

    return CardFactory(site=world.distributor_a, municipality=world.muni_a)


def test_a_holder_cannot_reserve_elsewhere_or_cancel_anothers_reservation(world):
    from kaiku.offers.services import reserve

    far = make_occurrence(make_offer(world.venue_b, ticket_method="reservation"), days=3)
    client = holder_client(world.card_a)
    assert client.post(f"/portal/offers/dates/{far.pk}/reserve/").status_code == 404
    theirs = reserve(world.card_b, far)
    assert client.post(f"/portal/reservations/{theirs.pk}/cancel/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "active"


def test_tips_count_free_places_as_the_offers_app_does(world):
    from kaiku.cards.tests.factories import CardFactory
    from kaiku.offers.services import places_left, reserve

    offer = make_offer(world.venue_a, ticket_method="reservation", quota=4)
    occ = make_occurrence(offer, days=1, extra_seats=1)
    others = [CardFactory(site=world.distributor_a, municipality=world.muni_a) for _ in range(3)]
    reserve(others[0], occ)
    reserve(others[1], occ)
    use_of(others[2], world.venue_a, key="o", occurrence=occ)
    voided = use_of(world.card_b, world.venue_a, key="v", occurrence=occ)
    void_use(voided, "mistake", world.users["venue_staff"])
    [tip] = [t for t in tips_for(world.card_a) if t.occurrence == occ]
    assert tip.places_left == places_left(occ) == 2


def test_portal_pages_keep_to_a_query_budget(world, django_assert_max_num_queries):
    for i in range(8):
        offer = make_offer(world.venue_a, quota=5, title_fi=f"Tarjous {i}", art_form="music")
        occ = make_occurrence(offer, days=1 + i % 5)
        use_of(world.card_a, world.venue_a, key=f"q{i}", occurrence=occ)
    client = holder_client(world.card_a)
    for path in ("/portal/", "/portal/uses/", "/portal/offers/", "/portal/groups/", "/portal/my-data/"):
        with django_assert_max_num_queries(15):
            assert client.get(path).status_code == 200


def test_a_cancelled_visit_stays_visible_to_those_who_joined(world):
    from kaiku.cards.tests.factories import CardFactory

    visit = make_group_visit(world)
    services.join_group_visit(world.card_a, visit)
    services.cancel_group_visit(visit, world.users["distributor"])
    assert list(services.visible_group_visits(world.card_a, with_cancelled_joined=True)) == [visit]
    assert list(services.visible_group_visits(world.card_a)) == []
    other = CardFactory(site=world.distributor_a, municipality=world.muni_a)
    assert list(services.visible_group_visits(other, with_cancelled_joined=True)) == []
    page = holder_client(world.card_a).get("/portal/groups/")
    assert page.context["visits"] == [visit]


def test_old_sign_in_attempts_and_links_are_cleaned_up(world, client, _clock):
    from kaiku.portal.models import EmailSignInToken, SignInAttempt

    client.post("/portal/sign-in/", {"number": world.card_a.number, "code": "WRONG234"})
    services.request_sign_in_link("nobody@example.org", "127.0.0.1")
    world.card_a.portal_consent, world.card_a.email = True, "holder@example.org"
    world.card_a.save()
    services.request_sign_in_link("holder@example.org", "127.0.0.1")
    assert services.clean_up() == {"attempts": 0, "links": 0}
    _clock.shift(services.KEEP_ATTEMPTS + dt.timedelta(days=1))
    call_command("portal_cleanup", stdout=io.StringIO())
    assert not SignInAttempt.objects.exists() and not EmailSignInToken.objects.exists()
