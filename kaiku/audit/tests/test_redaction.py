"""The audit log holds no more than it must (issue 18, item 4).

Every action that has ever put personal data or free text into ``changes`` is done
once; then every entry each role can read on ``/audit/`` is read, and none holds an
e-mail address, free text, a holder detail, or a card number the role may not see.
"""

from __future__ import annotations

import importlib

from django.apps import apps as django_apps
from django.urls import reverse

from kaiku.audit.models import AuditEntry
from kaiku.cards.services import HolderDetails, correct_card, inactivate_card, register_card, replace_card
from kaiku.network.onboarding import invite, offboard_site
from kaiku.portal import services as portal
from kaiku.portal.tests.conftest import make_group_visit
from kaiku.visits.services import UseRequest, record_use, void_use

HOLDER_EMAIL = "holder.secret@example.net"
INVITEE_EMAIL = "invitee.secret@example.net"
FREE_TEXT = "Lost on the tram near Hämeenkatu"
VOID_TEXT = "Wrong person typed the number"
OFFBOARD_TEXT = "Merged into the city's youth services"


def _all_actions(world):
    distributor = world.users["distributor"]
    issued = register_card(
        world.distributor_a,
        HolderDetails(
            birth_year=1961,
            municipality=world.muni_a,
            postal_code="33999",
            gender="woman",
            life_situation="pensioner",
            portal_consent=True,
            email=HOLDER_EMAIL,
            survey_consent=True,
        ),
        distributor,
    )
    card = issued.card
    correct_card(
        card,
        HolderDetails(
            birth_year=1962, municipality=world.muni_a, postal_code="33998", email=HOLDER_EMAIL, portal_consent=True
        ),
        distributor,
    )
    portal.delete_portal_email(card)
    visit = make_group_visit(world)
    portal.join_group_visit(world.card_a, visit)
    portal.leave_group_visit(world.card_a, visit)
    result = record_use(
        UseRequest(venue=world.venue_a, number=world.card_a.number, channel="typed", idempotency_key="k1")
    )
    void_use(result.use, VOID_TEXT, world.users["venue_admin"])
    new = replace_card(world.card_a, distributor).card
    inactivate_card(new, FREE_TEXT, distributor)
    invite(world.venue_a, INVITEE_EMAIL, "staff", world.users["coordinator"])
    offboard_site(world.distributor_l, world.users["national_admin"], OFFBOARD_TEXT)
    return [card, world.card_a, new]


def _log_pages(client) -> str:
    body, page = "", 1
    while True:
        response = client.get(reverse("audit:log"), {"page": page})
        assert response.status_code == 200
        body += response.content.decode()
        if not response.context["page"].has_next():
            return body
        page += 1


def test_no_role_reads_more_than_it_may(world):
    cards = _all_actions(world)
    numbers = [c.number for c in cards] + [c.display_number for c in cards]
    never = [HOLDER_EMAIL, INVITEE_EMAIL, FREE_TEXT, VOID_TEXT, "33999", "33998", "1961", "pensioner"]

    national = _log_pages(world.client_for("national_admin"))
    coordinator = _log_pages(world.client_for("coordinator"))
    for text in never:
        assert text not in national and text not in coordinator, text
    for number in numbers:
        assert number not in coordinator, number
    assert cards[0].display_number in national  # the national admin may see the card's entries
    assert "portal.group_visit_joined" in coordinator  # the entry is there, its card is not
    for role in ("distributor", "venue_staff", "venue_admin"):
        assert world.client_for(role).get(reverse("audit:log")).status_code == 403

    # What is stored, not only what is shown, holds none of it either.
    stored = " ".join(f"{e.object_label} {e.changes}" for e in AuditEntry.objects.all())
    for text in never:
        assert text not in stored, text
    for e in AuditEntry.objects.exclude(object_type="cards.card"):
        for number in numbers:
            assert number not in f"{e.object_label} {e.changes}", (e.action, number)


def test_a_changed_holder_detail_is_named_but_not_recorded(world):
    card = _all_actions(world)[0]
    corrected = AuditEntry.objects.get(action="cards.corrected", object_id=str(card.pk))
    assert corrected.changes == {
        "birth_year": None,
        "postal_code": None,
        "gender": None,
        "life_situation": None,
        "survey_consent": None,
    }
    inactivated = AuditEntry.objects.get(action="cards.inactivated")
    assert inactivated.changes == {"status": ["active", "inactive"], "reason": None}


def test_the_migration_redacts_entries_written_before(world):
    visit = make_group_visit(world)
    old = [
        AuditEntry.objects.create(
            action="cards.registered",
            object_type="cards.card",
            object_id=str(world.card_a.pk),
            object_label=world.card_a.display_number,
            changes={"email": HOLDER_EMAIL, "birth_year": 1961, "status": "active"},
        ),
        AuditEntry.objects.create(
            action="portal.group_visit_joined",
            object_type="portal.groupvisit",
            object_id=str(visit.pk),
            object_label=str(visit),
            changes={"card": world.card_a.number},
        ),
        AuditEntry.objects.create(
            action="partners.invited",
            object_type="partners.invitation",
            object_id="1",
            object_label=f"{INVITEE_EMAIL} → {world.venue_a}",
            changes={"email": INVITEE_EMAIL, "kind": "staff"},
        ),
        AuditEntry.objects.create(
            action="partners.offboarded",
            object_type="network.site",
            object_id="1",
            object_label="x",
            changes={"reason": OFFBOARD_TEXT, "roles_ended": [[INVITEE_EMAIL, "staff"]]},
        ),
    ]
    migration = importlib.import_module("kaiku.audit.migrations.0002_redact_personal_values")
    migration.redact(django_apps, None)
    migration.redact(django_apps, None)  # twice changes nothing more
    registered, joined, invited, offboarded = (AuditEntry.objects.get(pk=e.pk) for e in old)
    assert registered.changes == {"email": None, "birth_year": None, "status": "active"}
    assert (joined.object_type, joined.object_id, joined.changes) == (
        "cards.card",
        str(world.card_a.pk),
        {"group_visit": str(visit.pk)},
    )
    assert invited.object_label == str(world.venue_a) and invited.changes == {"email": None, "kind": "staff"}
    # Why a partner left is about an organisation, not a person: kept.
    assert offboarded.changes == {"reason": OFFBOARD_TEXT, "roles_ended": [[None, "staff"]]}
