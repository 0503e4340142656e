"""Retention rules at their boundary day and the day after; purge is idempotent and changes no statistic."""

from __future__ import annotations

import datetime as dt
import io
import random
from zoneinfo import ZoneInfo

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core.management import call_command
from django.utils import timezone

from kaiku.audit.models import AuditEntry
from kaiku.cards.models import Card
from kaiku.cards.services import HolderDetails, register_card, renew_card
from kaiku.cards.tests.factories import CardFactory
from kaiku.door.models import DeviceToken
from kaiku.network.models import Invitation, NationalSettings
from kaiku.offers.tests.factories import OccurrenceFactory
from kaiku.portal.models import (
    WELLBEING_QUESTIONS,
    EmailSignInToken,
    Feedback,
    HolderDevice,
    SignInAttempt,
    WellbeingAnswer,
)
from kaiku.portal.services import answer_survey
from kaiku.privacy.models import ReadEntry
from kaiku.privacy.retention import due_counts, purge
from kaiku.privacy.tests.stats_snapshot import snapshot
from kaiku.stats.intake import rebuild
from kaiku.together.models import GroupRequest
from kaiku.visits.services import UseRequest, record_use

HELSINKI = ZoneInfo("Europe/Helsinki")


def _now() -> dt.datetime:
    return timezone.now()


def test_a_card_is_reduced_the_day_after_its_retention_ends(world):
    # Today is 2026-06-15; holder details are kept two years after validity ends.
    kept = CardFactory(site=world.distributor_a, municipality=world.muni_a, valid_until=dt.date(2024, 6, 15))
    due = CardFactory(
        site=world.distributor_a,
        municipality=world.muni_a,
        valid_until=dt.date(2024, 6, 14),
        birth_year=1961,
        gender="woman",
        life_situation="pensioner",
        portal_consent=True,
        email="old.holder@example.net",
        survey_consent=True,
        inactivation_reason="moved",
    )
    answered = WellbeingAnswer.objects.create(
        card=due, occasion="registration", period_start=dt.date(2023, 6, 15), mood=3
    )
    WellbeingAnswer.objects.create(card=due, occasion="renewal", period_start=dt.date(2024, 6, 1), declined=True)
    assert due_counts()["holder_details"] == 1
    done = purge()
    assert done["holder_details"] == 1
    kept.refresh_from_db()
    due.refresh_from_db()
    assert kept.details_reduced_on is None and kept.birth_year == 1980
    assert (due.birth_year, due.postal_code, due.gender, due.life_situation, due.email) == (None, "", "", "", "")
    assert (due.portal_consent, due.survey_consent, due.inactivation_reason) == (False, False, "")
    assert due.age_band == "50-64"  # 2024 - 1961 = 63
    assert due.municipality == world.muni_a and due.children == 2 and due.number
    assert due.details_reduced_on == dt.date(2026, 6, 15)
    # The survey's numbers stay for the wellbeing statistics, no longer linked to the card,
    # with the site and respondent key the statistics read; a declined row goes.
    assert not WellbeingAnswer.objects.filter(card=due).exists()
    assert list(WellbeingAnswer.objects.values_list("mood", "site", "respondent")) == [
        (3, world.distributor_a.pk, answered.respondent)
    ]
    # The next day the other card's turn has come.
    with time_machine.travel(dt.datetime(2026, 6, 16, 10, tzinfo=HELSINKI), tick=False):
        assert purge()["holder_details"] == 1
    kept.refresh_from_db()
    assert kept.details_reduced_on == dt.date(2026, 6, 16)


@pytest.mark.parametrize(
    ("rule", "setting", "make", "still_there"),
    [
        (
            "sign_in_attempts",
            "sign_in_attempt_days",
            lambda w, at: SignInAttempt.objects.create(method="code", outcome="wrong").pk,
            lambda pk: SignInAttempt.objects.filter(pk=pk).exists(),
        ),
        (
            "staff_sign_in_attempts",
            "sign_in_attempt_days",
            lambda w, at: AccessAttempt.objects.create(username=f"staff{at}@example.org", failures_since_start=3).pk,
            lambda pk: AccessAttempt.objects.filter(pk=pk).exists(),
        ),
        (
            "holder_devices",
            "idle_device_days",
            lambda w, at: HolderDevice.objects.create(card=w.card_a, token_hash=f"h{at}", method="code").pk,
            lambda pk: HolderDevice.objects.filter(pk=pk).exists(),
        ),
        (
            "door_devices",
            "idle_device_days",
            lambda w, at: DeviceToken.objects.create(venue=w.venue_a, label="Door", token_hash=f"d{at}", hint="x").pk,
            lambda pk: DeviceToken.objects.filter(pk=pk).exists(),
        ),
        (
            "feedback_text",
            "feedback_text_days",
            lambda w, at: (
                Feedback.objects.create(
                    use=record_use(
                        UseRequest(venue=w.venue_a, number=w.card_a.number, channel="typed", idempotency_key=f"f{at}")
                    ).use,
                    score=4,
                    text="The usher was lovely",
                ).pk
            ),
            lambda pk: Feedback.objects.get(pk=pk).text != "",
        ),
        (
            "group_request_text",
            "feedback_text_days",
            lambda w, at: (
                GroupRequest.objects.create(
                    site=w.distributor_a,
                    card=w.card_a,
                    venue=w.venue_a,
                    offer=(occurrence := OccurrenceFactory(offer__venue=w.venue_a)).offer,
                    occurrence=occurrence,
                    needs="Two wheelchairs",
                    venue_message="Door B",
                ).pk
            ),
            lambda pk: GroupRequest.objects.filter(pk=pk).exclude(needs="", venue_message="").exists(),
        ),
    ],
)
def test_each_rule_at_its_boundary_day_and_the_day_after(world, rule, setting, make, still_there):
    days = getattr(NationalSettings.get(), setting)
    now = _now()
    with time_machine.travel(now - dt.timedelta(days=days), tick=False):
        on_the_day = make(world, 1)
    with time_machine.travel(now - dt.timedelta(days=days, hours=24, seconds=1), tick=False):
        day_before = make(world, 2)
    done = purge(now=now)
    assert done[rule] == 1
    assert still_there(on_the_day) and not still_there(day_before)
    if rule == "feedback_text":
        assert Feedback.objects.get(pk=day_before).score == 4  # the score stays for statistics


def test_spent_links_and_invitations(world):
    now = _now()
    days = NationalSettings.get().spent_link_days
    edge = now - dt.timedelta(days=days)
    EmailSignInToken.objects.create(card=world.card_a, token_hash="kept", expires_at=edge)
    EmailSignInToken.objects.create(card=world.card_a, token_hash="gone", expires_at=edge - dt.timedelta(days=1))
    Invitation.objects.create(
        site=world.venue_a, email="a@example.org", token_hash="i1", expires_at=now, accepted_at=edge
    )
    Invitation.objects.create(
        site=world.venue_a,
        email="b@example.org",
        token_hash="i2",
        expires_at=now,
        accepted_at=edge - dt.timedelta(days=1),
    )
    done = purge(now=now)
    assert (done["sign_in_links"], done["invitations"]) == (1, 1)
    assert list(EmailSignInToken.objects.values_list("token_hash", flat=True)) == ["kept"]
    assert list(Invitation.objects.values_list("token_hash", flat=True)) == ["i1"]


def test_audit_values_and_read_log_by_years(world):
    boundary = dt.datetime(2021, 6, 15, 0, 0, tzinfo=HELSINKI)  # five years before today
    kept = AuditEntry.objects.create(action="x", object_type="network.site", changes={"kind": ["a", "b"]})
    old = AuditEntry.objects.create(action="x", object_type="network.site", changes={"kind": ["a", "b"]})
    AuditEntry.objects.filter(pk=kept.pk).update(at=boundary)
    AuditEntry.objects.filter(pk=old.pk).update(at=boundary - dt.timedelta(seconds=1))
    read_kept = ReadEntry.objects.create(what="card", at=dt.datetime(2024, 6, 15, 0, 0, tzinfo=HELSINKI))
    ReadEntry.objects.create(what="card", at=dt.datetime(2024, 6, 14, 23, 59, tzinfo=HELSINKI))
    done = purge()
    assert (done["audit_values"], done["read_log"]) == (1, 1)
    assert AuditEntry.objects.get(pk=kept.pk).changes == {"kind": ["a", "b"]}
    assert AuditEntry.objects.get(pk=old.pk).changes == {"kind": None}
    assert list(ReadEntry.objects.values_list("pk", flat=True)) == [read_kept.pk]


def test_purge_twice_changes_nothing_the_second_time_and_is_audited(world):
    CardFactory(site=world.distributor_a, municipality=world.muni_a, valid_until=dt.date(2020, 1, 1))
    SignInAttempt.objects.create(method="code", outcome="wrong")
    SignInAttempt.objects.update(at=_now() - dt.timedelta(days=400))
    out = io.StringIO()
    call_command("purge", "--dry-run", stdout=out)
    assert "Would change 1: cards whose holder details were reduced" in out.getvalue()
    assert Card.objects.filter(details_reduced_on__isnull=False).count() == 0  # a dry run changes nothing
    out = io.StringIO()
    call_command("purge", stdout=out)
    assert "Changed 1: cards whose holder details were reduced" in out.getvalue()
    entry = AuditEntry.objects.get(action="privacy.purged")
    assert entry.changes["holder_details"] == 1 and entry.changes["sign_in_attempts"] == 1
    before = (list(Card.objects.values()), AuditEntry.objects.count())
    out = io.StringIO()
    call_command("purge", stdout=out)
    assert "Nothing was due." in out.getvalue()
    assert (list(Card.objects.values()), AuditEntry.objects.count()) == before
    assert not any(due_counts().values())


# --- Statistics survive retention exactly ----------------------------------------------


def _history(world) -> None:
    """Cards registered, renewed and used every 40 days from 2022 on: many end before the boundary."""
    rng = random.Random(18)
    day = dt.datetime(2022, 1, 10, 12, tzinfo=HELSINKI)
    cards: list[Card] = []
    key = 0
    while day < timezone.now() - dt.timedelta(days=2):
        with time_machine.travel(day, tick=False):
            for _ in range(2):
                details = HolderDetails(
                    birth_year=rng.choice([1950, 1962, 1975, 1990, 2004]),
                    municipality=world.muni_a,
                    postal_code="33100",
                    children=rng.choice([0, 1, 2]),
                    gender=rng.choice(["woman", "man", "other", ""]),
                    life_situation=rng.choice(["student", "pensioner", ""]),
                    survey_consent=rng.random() < 0.6,
                )
                card = register_card(world.distributor_a, details, world.users["distributor"]).card
                cards.append(card)
                _maybe_answer(card, rng)
            for card in rng.sample(cards, min(4, len(cards))):
                key += 1
                venue = rng.choice([world.venue_a, world.venue_b])
                record_use(UseRequest(venue=venue, number=card.number, channel="typed", idempotency_key=f"h{key}"))
            if len(cards) > 6 and rng.random() < 0.3:
                card = Card.objects.get(pk=rng.choice(cards).pk)
                if card.status == Card.Status.ACTIVE and not card.is_expired_on(day.date()):
                    _maybe_answer(renew_card(card, world.users["distributor"]).card, rng)
        day += dt.timedelta(days=40)


def _maybe_answer(card: Card, rng: random.Random) -> None:
    """The holder answers the wellbeing survey (when consented) four times in five."""
    if rng.random() < 0.8:
        answer_survey(card, {q: rng.randint(0, 5) for q in WELLBEING_QUESTIONS}, declined=rng.random() < 0.1)


def test_statistics_are_identical_after_purge_over_a_history_spanning_the_boundary(world):
    _history(world)
    before = snapshot()
    done = purge()
    assert done["holder_details"] > 5  # the history does cross the boundary
    assert Card.objects.filter(details_reduced_on__isnull=True, valid_until__gte=dt.date(2024, 6, 15)).exists()
    assert snapshot() == before
    rebuild()  # statistics rebuilt from the register after a purge: still the same
    assert snapshot() == before


def test_statistics_are_identical_after_purge_over_the_demo_world(db, monkeypatch):
    from kaiku.accounts import demo as accounts_demo
    from kaiku.cards import demo as cards_demo
    from kaiku.network import demo as network_demo
    from kaiku.portal import demo as portal_demo
    from kaiku.visits import demo as visits_demo
    from kaiku.web.demo import DemoContext

    monkeypatch.setattr(cards_demo, "PERSONAL_CARDS", 80)
    ctx = DemoContext(rng=random.Random(7), today=timezone.localdate())
    for module in (network_demo, accounts_demo, cards_demo, visits_demo):
        module.populate(ctx)
    portal_demo._wellbeing(ctx)
    rebuild()  # as manage.py demo_data ends: the demo's card facts come from the register
    before = snapshot()
    # The demo's cards are young: purge as if three years had passed, reducing nearly all of them.
    reduced = purge(now=timezone.now() + dt.timedelta(days=3 * 365))["holder_details"]
    assert reduced > 50
    assert snapshot() == before
    rebuild()
    assert snapshot() == before
