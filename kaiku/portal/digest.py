"""The optional weekly e-mail of tips: only to holders who asked for it and consented to e-mail."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from kaiku.cards.models import Card
from kaiku.portal.models import HolderMail
from kaiku.portal.tips import tips_for
from kaiku.web.mail import absolute_url, send_after_commit

# Not more often than this, however often the command runs.
DIGEST_EVERY = dt.timedelta(days=6)


def send_digests(*, now: dt.datetime | None = None) -> int:
    """Send this week's tips; returns how many e-mails went out. Safe to run repeatedly."""
    now = now or timezone.now()
    recently = HolderMail.objects.filter(kind=HolderMail.Kind.DIGEST, sent_at__gte=now - DIGEST_EVERY)
    cards = (
        Card.objects.filter(
            portal_preference__digest=True,
            portal_consent=True,
            email__gt="",
            status=Card.Status.ACTIVE,
            valid_until__gte=timezone.localdate(now),
        )
        .exclude(pk__in=recently.values("card_id"))
        .select_related("site__area", "municipality__area", "portal_preference")
    )
    sent = 0
    for card in cards:
        with translation.override(card.portal_preference.language or settings.LANGUAGE_CODE):
            tips = tips_for(card, limit=6)
            if not tips:
                continue
            with transaction.atomic():
                HolderMail.objects.create(card=card, kind=HolderMail.Kind.DIGEST, offer_ids=[t.offer.pk for t in tips])
                send_after_commit(
                    card.email,
                    _("Tips for you this week"),
                    "portal/email/digest.txt",
                    {"tips": tips, "url": absolute_url(reverse("portal:offers"))},
                )
        sent += 1
    return sent
