"""The distributor's card desk through its views: forms, messages, scope and query budgets."""

from __future__ import annotations

from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from kaiku.audit.models import AuditEntry
from kaiku.cards.models import Card, CardEvent
from kaiku.cards.services import CardError, create_stock
from kaiku.cards.tests.factories import CardFactory


def form_data(world, **overrides):
    data = {
        "birth_year": "1968",
        "municipality": world.muni_a.code,  # registration lists municipalities by official code
        "postal_code": "33720",
        "children": "1",
        "gender": "",
        "life_situation": "unemployed",
        "eligibility_confirmed": "on",
    }
    data.update(overrides)
    return data


def state():
    return (
        Card.objects.count(),
        Card.objects.filter(status=Card.Status.ACTIVE).count(),
        CardEvent.objects.count(),
        AuditEntry.objects.count(),
    )


def in_finnish(message) -> str:
    """The message as the page shows it: in Finnish (the default language), HTML-escaped."""
    with translation.override("fi"):
        return escape(translation.gettext(str(message)))


def test_register_a_new_card(world):
    client = world.client_for("distributor")
    response = client.post(reverse("cards:register", args=[world.distributor_a.pk]), form_data(world))
    card = Card.objects.exclude(pk__in=[world.card_a.pk, world.card_b.pk, world.card_l.pk]).get(
        status=Card.Status.ACTIVE
    )
    assert response.status_code == 302 and response["Location"] == reverse("cards:detail", args=[card.pk])
    assert (card.birth_year, card.postal_code, card.children, card.life_situation) == (1968, "33720", 1, "unemployed")
    assert card.issued_by == world.users["distributor"]
    page = client.get(response["Location"]).content.decode()
    assert card.display_number in page
    assert "1968" in page  # distributor staff see the details they registered


def test_the_activation_code_is_shown_once(world):
    client = world.client_for("distributor")
    response = client.post(reverse("cards:register", args=[world.distributor_a.pk]), form_data(world))
    first = client.get(response["Location"])
    second = client.get(response["Location"])
    assert first.context["activation_code"] and second.context["activation_code"] is None


def test_register_a_stock_number(world):
    client = world.client_for("distributor")
    data = form_data(world, number=world.stock_a.display_number)
    response = client.post(reverse("cards:register", args=[world.distributor_a.pk]), data)
    assert response.status_code == 302
    world.stock_a.refresh_from_db()
    assert world.stock_a.status == Card.Status.ACTIVE


def test_a_typo_in_the_stock_number_is_caught_by_the_form(world):
    client = world.client_for("distributor")
    number = world.stock_a.number
    typo = number[:-1] + ("2" if number[-1] != "2" else "3")
    before = state()
    response = client.post(reverse("cards:register", args=[world.distributor_a.pk]), form_data(world, number=typo))
    assert response.status_code == 200
    assert in_finnish("The number has a typo: the last character does not match.") in response.content.decode()
    assert state() == before


def test_bad_input_gives_the_translated_message_and_changes_nothing(world):
    client = world.client_for("distributor")
    url = reverse("cards:register", args=[world.distributor_a.pk])
    cases = [
        (form_data(world, birth_year="2015"), CardError("too_young", age=16).message),
        (form_data(world, postal_code="331"), "A postal code has five digits."),
        (form_data(world, eligibility_confirmed=""), "Confirm that the client is eligible for the card."),
        (form_data(world, email="x@example.org"), CardError.MESSAGES["email_without_consent"]),
        (form_data(world, portal_consent="on"), CardError.MESSAGES["consent_without_email"]),
        (form_data(world, number=world.card_b.number), CardError.MESSAGES["number_of_another_site"]),
        (form_data(world, number=world.card_a.number), CardError.MESSAGES["already_registered"]),
    ]
    before = state()
    for data, message in cases:
        response = client.post(url, data)
        assert response.status_code == 200
        assert in_finnish(message) in response.content.decode(), message
    assert state() == before


def test_messages_follow_the_chosen_language(world):
    client = world.client_for("distributor")
    client.cookies["kaiku_language"] = "en"
    response = client.post(
        reverse("cards:register", args=[world.distributor_a.pk]), form_data(world, birth_year="2015")
    )
    assert "The holder must turn 16 this year or be older." in response.content.decode()


def test_a_local_only_site_offers_only_its_own_municipalities(world):
    from kaiku.accounts.models import Role
    from kaiku.accounts.tests.factories import user_with_role

    user = user_with_role(Role.DISTRIBUTOR_STAFF, site=world.distributor_l)
    client = world.client_for("anonymous")
    client.force_login(user)
    url = reverse("cards:register", args=[world.distributor_l.pk])
    choices = client.get(url).context["form"].fields["municipality"].choices
    assert choices == [("", "—"), (world.muni_l.code, "Vantaa")]
    before = state()
    response = client.post(url, form_data(world))  # muni_a is not a choice here
    assert response.status_code == 200 and state() == before


def test_community_card_through_the_view(world):
    client = world.client_for("distributor")
    response = client.post(reverse("cards:community", args=[world.distributor_a.pk]), {"label": "Klubitalo"})
    card = Card.objects.get(kind=Card.Kind.COMMUNITY)
    assert response.status_code == 302 and card.community_label == "Klubitalo" and card.site == world.distributor_a
    page = client.get(reverse("cards:detail", args=[card.pk])).content.decode()
    assert "Klubitalo" in page and reverse("cards:correct", args=[card.pk]) not in page


def test_renew_through_the_view(world):
    client = world.client_for("distributor")
    Card.objects.filter(pk=world.card_a.pk).update(valid_until="2026-07-01")
    response = client.post(reverse("cards:renew", args=[world.card_a.pk]), follow=True)
    world.card_a.refresh_from_db()
    assert str(world.card_a.valid_until) == "2027-06-15"
    assert "15.6.2027" in response.content.decode()  # the date in the Finnish format


def test_correct_through_the_view(world):
    client = world.client_for("distributor")
    url = reverse("cards:correct", args=[world.card_a.pk])
    form = client.get(url).context["form"]
    assert form.initial["postal_code"] == "33999"
    muni = str(world.muni_a.pk)  # the correction form keeps the network's municipalities by id
    response = client.post(
        url, form_data(world, birth_year="1957", postal_code="33400", children="2", municipality=muni)
    )
    assert response.status_code == 302
    world.card_a.refresh_from_db()
    assert world.card_a.postal_code == "33400" and world.card_a.life_situation == "unemployed"
    assert AuditEntry.objects.get(action="cards.corrected").changes["postal_code"] is None
    before = state()
    response = client.post(url, form_data(world, postal_code="x", municipality=muni))
    assert response.status_code == 200 and state() == before


def test_inactivate_through_the_view(world):
    client = world.client_for("distributor")
    url = reverse("cards:inactivate", args=[world.card_a.pk])
    before = state()
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200 and state() == before
    response = client.post(url, {"reason": "Holder moved away"})
    assert response.status_code == 302
    world.card_a.refresh_from_db()
    assert world.card_a.status == Card.Status.INACTIVE and world.card_a.inactivation_reason == "Holder moved away"
    # An inactive card is not corrected or inactivated again.
    response = client.post(url, {"reason": "Again"})
    assert in_finnish(CardError.MESSAGES["not_active"]) in response.content.decode()
    assert client.get(reverse("cards:correct", args=[world.card_a.pk])).status_code == 302


def test_replace_through_the_view(world):
    client = world.client_for("distributor")
    response = client.post(reverse("cards:replace", args=[world.card_a.pk]), {"number": world.stock_a.number})
    assert response.status_code == 302 and response["Location"] == reverse("cards:detail", args=[world.stock_a.pk])
    world.card_a.refresh_from_db()
    assert world.card_a.replaced_by_id == world.stock_a.pk
    page = client.get(reverse("cards:detail", args=[world.card_a.pk])).content.decode()
    assert world.stock_a.display_number in page


def test_stock_through_the_view(world):
    client = world.client_for("distributor")
    url = reverse("cards:stock", args=[world.distributor_a.pk])
    client.post(url, {"count": "7"})
    assert Card.objects.filter(site=world.distributor_a, status=Card.Status.UNREGISTERED).count() == 8
    client.post(url, {"count": "0"})
    assert Card.objects.filter(site=world.distributor_a, status=Card.Status.UNREGISTERED).count() == 8


def test_staff_see_only_their_own_sites_cards(world):
    client = world.client_for("distributor")
    other = CardFactory(site=world.distributor_b, municipality=world.muni_b)
    page = client.get(reverse("cards:site_cards", args=[world.distributor_a.pk]))
    numbers = {c.number for c in page.context["page"].object_list}
    assert world.card_a.number in numbers
    assert not numbers & {world.card_b.number, other.number, world.card_l.number}
    assert world.stock_a.number not in numbers  # stock is counted, not listed
    assert page.context["stock"] == 1
    # Searching for another site's number finds nothing; its page is not found.
    found = client.get(reverse("cards:site_cards", args=[world.distributor_a.pk]), {"q": world.card_b.display_number})
    assert list(found.context["page"].object_list) == []
    assert client.get(reverse("cards:detail", args=[world.card_b.pk])).status_code == 404
    assert client.post(reverse("cards:renew", args=[world.card_b.pk])).status_code == 404


def test_search_by_number(world):
    client = world.client_for("distributor")
    url = reverse("cards:site_cards", args=[world.distributor_a.pk])
    exact = client.get(url, {"q": world.card_a.display_number.lower()})
    assert [c.pk for c in exact.context["page"].object_list] == [world.card_a.pk]
    partial = client.get(url, {"q": world.card_a.number[:4]})
    assert world.card_a.pk in [c.pk for c in partial.context["page"].object_list]


def test_site_card_list_query_budget(world, django_assert_max_num_queries):
    create_stock(world.distributor_a, 20)
    for _ in range(60):
        CardFactory(site=world.distributor_a, municipality=world.muni_a)
    client = world.client_for("distributor")
    url = reverse("cards:site_cards", args=[world.distributor_a.pk])
    client.get(url)
    with django_assert_max_num_queries(8):
        response = client.get(url)
    assert len(response.context["page"].object_list) == 50


def test_card_detail_query_budget(world, django_assert_max_num_queries):
    client = world.client_for("distributor")
    url = reverse("cards:detail", args=[world.card_a.pk])
    client.post(reverse("cards:renew", args=[world.card_a.pk]))
    client.post(reverse("cards:reissue_code", args=[world.card_a.pk]))
    with django_assert_max_num_queries(10):
        client.get(url)


def test_a_community_card_has_no_details_to_correct(world):
    client = world.client_for("distributor")
    client.post(reverse("cards:community", args=[world.distributor_a.pk]), {"label": "Klubitalo"})
    card = Card.objects.get(kind=Card.Kind.COMMUNITY)
    response = client.get(reverse("cards:correct", args=[card.pk]), follow=True)
    assert in_finnish(CardError.MESSAGES["community_has_no_holder"]) in response.content.decode()
