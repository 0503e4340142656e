"""Aggregates of holder feedback and wellbeing answers, for the statistics.

Nothing here returns a single holder's answer. Outside the national admin's view,
pass no ``threshold`` (the national small-count threshold applies): a group smaller
than the threshold comes back as ``None``, never as a number.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Avg, Count, QuerySet

from kaiku.network.models import NationalSettings, Site
from kaiku.portal.models import WELLBEING_QUESTIONS, Feedback, WellbeingAnswer


def _limit(threshold: int | None) -> int:
    return NationalSettings.get().small_count_threshold if threshold is None else threshold


def feedback_summary(
    venue: Site | None = None, *, threshold: int | None = None, **filters: Any
) -> dict[str, Any] | None:
    """Answers, mean score (1-5) and how many went with someone, for a venue or any Use filter.

    ``filters`` are lookups on the feedback's use, e.g. ``used_on__year=2026`` or
    ``venue__area=area``.
    """
    qs = Feedback.objects.all()
    if venue is not None:
        qs = qs.for_venue(venue)
    if filters:
        qs = qs.filter(**{f"use__{k}": v for k, v in filters.items()})
    return qs.summary(threshold=threshold)


def wellbeing_change(sites: QuerySet[Site] | None = None, *, threshold: int | None = None) -> dict[str, Any] | None:
    """Mean answers at registration and at the first renewal, for respondents who answered both.

    A respondent is one card's answers (their random key survives the card's reduction).
    Returns ``{"cards": n, "questions": {name: {"registration": x, "renewal": y, "change": y - x}}}``
    or None when fewer than the threshold of cards answered both times.
    """
    answered = WellbeingAnswer.objects.filter(declined=False)
    if sites is not None:
        answered = answered.filter(site__in=sites)
    both = (
        answered.values("respondent")
        .annotate(occasions=Count("occasion", distinct=True))
        .filter(occasions=2)
        .values("respondent")
    )
    pair = answered.filter(respondent__in=both)
    count = pair.values("respondent").distinct().count()
    if count == 0 or count < _limit(threshold):
        return None
    means = {
        occasion: pair.filter(occasion=occasion).aggregate(**{q: Avg(q) for q in WELLBEING_QUESTIONS})
        for occasion in (WellbeingAnswer.Occasion.REGISTRATION, WellbeingAnswer.Occasion.RENEWAL)
    }
    questions = {}
    for q in WELLBEING_QUESTIONS:
        before = means[WellbeingAnswer.Occasion.REGISTRATION][q]
        after = means[WellbeingAnswer.Occasion.RENEWAL][q]
        questions[q] = {
            "registration": before,
            "renewal": after,
            "change": None if before is None or after is None else after - before,
        }
    return {"cards": count, "questions": questions}
