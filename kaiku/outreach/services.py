"""A worker's tip, renewals coming due and renewal reminders (issue 22, items 2 and 6).

Each rule lives here and raises ``OutreachError`` with a stable ``code``; the views only
fetch in scope, validate the form and call these functions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from kaiku.audit import services as audit
from kaiku.cards.models import Card
from kaiku.network.models import Area, NationalSettings, Site
from kaiku.offers.models import Occurrence, Offer
from kaiku.outreach.models import FOLLOW_DAYS, RenewalReminder, WorkerTip
from kaiku.stats.suppression import SafeTable, Shown, suppress
from kaiku.visits.models import Use
from kaiku.web.errors import CodedError

LANGUAGES = ("fi", "sv", "en")
# How far ahead a worker may pick a date, and how many choices the form lists at most.
TIP_HORIZON = dt.timedelta(days=90)
TIP_CHOICES_MAX = 300
# A tip in the portal stays on the holder's start page this long (or until its date passes).
PORTAL_TIP_DAYS = 60
RENEWAL_WINDOW_DAYS = 30


class OutreachError(CodedError):
    MESSAGES: dict[str, Any] = {
        "card_not_active": _("The card is not valid: renew it before giving a tip."),
        "card_of_other_site": _("The card was not issued at this site."),
        "offer_unavailable": _("This offer is no longer available with Kaikukortti."),
        "date_unavailable": _("This date has passed, is cancelled or belongs to another offer."),
        "no_portal": _(
            "The holder has not signed in to the portal and has given no e-mail for it. Print the slip instead."
        ),
        "bad_delivery": _("Choose whether to print the tip or send it to the portal."),
        "bad_language": _("Choose Finnish, Swedish or English."),
    }


# --- A worker's tip ---------------------------------------------------------------------


def near_offers(site: Site, today: dt.date | None = None) -> QuerySet[Offer]:
    """Offers a distributor site's workers and printed lists suggest: public, not over, nearby.

    "Nearby" is the site's area; in a wellbeing services county (many municipalities)
    it is the site's own municipality when the site has one.
    """
    today = today or timezone.localdate()
    offers = Offer.objects.public().current(today).filter(venue__area_id=site.area_id, sold_out=False)
    if site.area.kind == Area.Kind.COUNTY and site.municipality_id:
        offers = offers.filter(venue__municipality_id=site.municipality_id)
    return offers.select_related("venue")


@dataclass(frozen=True)
class TipChoice:
    """One line of the tip form's list: an offer, or one date of an event."""

    key: str
    offer: Offer
    occurrence: Occurrence | None


def tip_choices(site: Site) -> list[TipChoice]:
    """Upcoming dates of nearby events, then courses and ongoing offers, bounded in number."""
    now = timezone.now()
    offers = near_offers(site)
    dates = (
        Occurrence.objects.upcoming(now)
        .filter(offer__in=offers, starts_at__lte=now + TIP_HORIZON, sold_out=False)
        .select_related("offer__venue")
        .order_by("starts_at", "pk")[:TIP_CHOICES_MAX]
    )
    choices = [TipChoice(f"d{occ.pk}", occ.offer, occ) for occ in dates]
    undated = offers.exclude(kind=Offer.Kind.EVENT).order_by("title_fi", "pk")[: max(TIP_CHOICES_MAX - len(choices), 0)]
    choices += [TipChoice(f"o{offer.pk}", offer, None) for offer in undated]
    return choices


def has_portal(card: Card) -> bool:
    """The holder can read the portal: a browser is signed in, or e-mail sign-in is allowed."""
    from kaiku.portal.models import HolderDevice

    if card.portal_consent and card.email:
        return True
    return HolderDevice.objects.filter(card=card, signed_out_at__isnull=True).exists()


@transaction.atomic
def give_tip(
    site: Site,
    card: Card,
    offer: Offer,
    occurrence: Occurrence | None,
    *,
    delivery: str,
    actor: Any,
    language: str = "fi",
) -> WorkerTip:
    """Record a worker's tip. The same tip given twice on one day is recorded once (a double click)."""
    today = timezone.localdate()
    if delivery not in WorkerTip.Delivery.values:
        raise OutreachError("bad_delivery")
    if language not in LANGUAGES:
        raise OutreachError("bad_language")
    if card.site_id != site.pk:
        raise OutreachError("card_of_other_site")
    if card.status != Card.Status.ACTIVE or card.is_expired_on(today):
        raise OutreachError("card_not_active")
    if not near_offers(site, today).filter(pk=offer.pk).exists():
        raise OutreachError("offer_unavailable")
    if occurrence is not None and (occurrence.offer_id != offer.pk or occurrence.cancelled or occurrence.has_started()):
        raise OutreachError("date_unavailable")
    if delivery == WorkerTip.Delivery.PORTAL and not has_portal(card):
        raise OutreachError("no_portal")
    same = WorkerTip.objects.filter(
        site=site, card=card, offer=offer, occurrence=occurrence, delivery=delivery, given_on=today
    ).first()
    if same is not None:
        return same
    tip = WorkerTip.objects.create(
        site=site,
        card=card,
        offer=offer,
        occurrence=occurrence,
        delivery=delivery,
        language=language,
        given_by=actor if getattr(actor, "is_authenticated", False) else None,
        given_on=today,
    )
    # Which offer and how: no card number, no text.
    audit.record(
        actor,
        "outreach.tip_given",
        tip,
        changes={"delivery": delivery, "offer": offer.pk, "occurrence": occurrence.pk if occurrence else None},
        area=site.area,
    )
    return tip


def card_ending(card: Card, characters: int = 4) -> str:
    """The last characters of the card number, all a printed tip shows of it."""
    return card.number[-characters:]


def portal_tips(card: Card, *, limit: int = 5) -> list[WorkerTip]:
    """Tips workers put in this holder's portal, newest first, while their offer or date is still ahead."""
    today = timezone.localdate()
    now = timezone.now()
    tips = (
        WorkerTip.objects.in_portal()
        .filter(card=card, given_on__gte=today - dt.timedelta(days=PORTAL_TIP_DAYS))
        .filter(Q(offer__ends_on__isnull=True) | Q(offer__ends_on__gte=today))
        .filter(Q(occurrence__isnull=True) | Q(occurrence__starts_at__gt=now))
        .select_related("site", "offer__venue", "occurrence")
    )
    return list(tips[:limit])


def _followed() -> Exists:
    return Exists(
        Use.objects.accepted().filter(
            card_id=OuterRef("card_id"),
            venue_id=OuterRef("offer__venue_id"),
            used_on__gte=OuterRef("given_on"),
            used_on__lte=OuterRef("follow_until"),
        )
    )


def table_rows(table: SafeTable) -> list[tuple[Any, list[Shown], Shown | None]]:
    """A suppressed table's rows for a template: (row, cells, row total or None)."""
    totals: list[Shown | None] = list(table.row_totals) if table.row_totals else [None] * len(table.rows)
    return list(zip(table.rows, table.cells, totals, strict=True))


@dataclass
class TipFigures:
    table: SafeTable
    start: dt.date
    end: dt.date

    @property
    def rows(self) -> list[tuple[Any, list[Shown], Shown | None]]:
        return table_rows(self.table)


def tip_figures(sites: list[Site], start: dt.date, end: dt.date, *, national: bool = False) -> TipFigures:
    """Tips given per site between two days, and how many were followed by a visit to the
    offer's venue within 60 days; small counts suppressed outside the national view.

    Columns: tips given, followed by a visit. Only the column totals (the area) are shown:
    "followed" is part of "given", so a row total would mean nothing.
    """
    counts = {
        row["site_id"]: row
        for row in WorkerTip.objects.filter(site__in=sites, given_on__gte=start, given_on__lte=end)
        .annotate(followed=_followed())
        .values("site_id")
        .annotate(given=Count("pk"), visited=Count("pk", filter=Q(followed=True)))
        .order_by()
    }
    values = [[counts.get(s.pk, {}).get("given", 0), counts.get(s.pk, {}).get("visited", 0)] for s in sites]
    threshold = None if national else NationalSettings.get().small_count_threshold
    columns = [_("Tips given"), _("Followed by a visit within %(days)s days") % {"days": FOLLOW_DAYS}]
    table = suppress(sites, columns, values, threshold, row_totals=False, col_totals=True)
    return TipFigures(table=table, start=start, end=end)


# --- Renewals coming due ----------------------------------------------------------------


def coming_due(site: Site, today: dt.date | None = None) -> QuerySet[Card]:
    """The site's active cards whose validity ends in the next 30 days (today included)."""
    today = today or timezone.localdate()
    return Card.objects.filter(
        site=site,
        status=Card.Status.ACTIVE,
        valid_until__gte=today,
        valid_until__lte=today + dt.timedelta(days=RENEWAL_WINDOW_DAYS),
    ).order_by("valid_until", "number")


def due_reminder(card: Card, today: dt.date | None = None) -> RenewalReminder | None:
    """The reminder to show in the portal: for the card's current validity, until it ends."""
    today = today or timezone.localdate()
    if card.valid_until is None or card.valid_until < today or card.status != Card.Status.ACTIVE:
        return None
    return RenewalReminder.objects.filter(card=card, valid_until=card.valid_until).select_related("site").first()


def _mail_on_commit(to: str, subject: str, body: str) -> None:
    transaction.on_commit(lambda: send_mail(subject, body, None, [to]))


def send_renewal_reminders(today: dt.date | None = None) -> int:
    """Remind holders who consented, once per card and validity period, 30 days before expiry.

    Cards whose expiry is 30 days away or nearer get their reminder (so a day cron missed is
    caught up); the unique (card, valid_until) row makes a second run send nothing. A
    renewal gives a new ``valid_until`` and so a new reminder next year. Returns how many
    reminders were made.
    """
    from kaiku.portal.models import HolderPreference

    today = today or timezone.localdate()
    due = (
        Card.objects.filter(
            status=Card.Status.ACTIVE,
            kind=Card.Kind.PERSONAL,
            portal_consent=True,
            valid_until__gt=today,
            valid_until__lte=today + dt.timedelta(days=RENEWAL_WINDOW_DAYS),
        )
        .exclude(Exists(RenewalReminder.objects.filter(card_id=OuterRef("pk"), valid_until=OuterRef("valid_until"))))
        .select_related("site")
        .order_by("pk")
    )
    languages = dict(HolderPreference.objects.filter(card__in=due).values_list("card_id", "language"))
    made = 0
    for card in due.iterator(chunk_size=500):
        assert card.valid_until is not None
        try:
            with transaction.atomic():
                RenewalReminder.objects.create(
                    card=card, valid_until=card.valid_until, site=card.site, emailed=bool(card.email)
                )
                if card.email:
                    language = languages.get(card.pk) or "fi"
                    with translation.override(language if language in LANGUAGES else "fi"):
                        subject = str(_("Your Kaikukortti is valid until %(day)s") % {"day": _day(card.valid_until)})
                        body = render_to_string(
                            "outreach/email/renewal_reminder.txt",
                            {"card": card, "site": card.site, "day": _day(card.valid_until), "url": _portal_url()},
                        )
                    _mail_on_commit(card.email, subject, body)
        except IntegrityError:
            continue  # another run made it first
        made += 1
    return made


def _day(day: dt.date) -> str:
    return f"{day.day}.{day.month}.{day.year}"


def _portal_url() -> str:
    from django.urls import reverse

    return f"{settings.SITE_ROOT.rstrip('/')}{reverse('portal:home')}"
