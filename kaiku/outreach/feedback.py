"""Feedback that is read (issue 22, item 7).

A venue's admins read the comments holders wrote about their own venue, by calendar
month: never a card, never a day, and nothing for a month until it has at least five
answers (or the national small-count threshold, if higher). A comment its holder marked
"not for the venue" counts as an answer but is never shown. Coordinators see themes per
area: how many answers gave each rating (1 to 5) at each venue, suppressed like every
other statistic, and how many answers had a comment — no text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from kaiku.network.models import Area, NationalSettings, Site
from kaiku.portal.models import Feedback
from kaiku.stats.suppression import SafeTable, Shown, show_number, suppress

MIN_ANSWERS = 5
SCORES = (1, 2, 3, 4, 5)


def min_answers() -> int:
    return max(MIN_ANSWERS, NationalSettings.get().small_count_threshold)


@dataclass
class Month:
    month: dt.date
    answers: Shown
    # None: withheld (too few answers); otherwise the comments the venue may read.
    comments: list[str] | None


def _year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def venue_months(venue: Site, year: int) -> list[Month]:
    """The year's months up to this one, newest first, each with its answer count and readable comments."""
    start, end = _year_bounds(year)
    today = timezone.localdate()
    limit = min_answers()
    answered = Feedback.objects.answered().filter(use__venue=venue, use__used_on__gte=start, use__used_on__lte=end)
    counts = {
        row["month"]: row["n"]
        for row in answered.annotate(month=TruncMonth("use__used_on")).values("month").annotate(n=Count("pk"))
    }
    open_months = [month for month, n in counts.items() if n >= limit]
    texts: dict[dt.date, list[str]] = {month: [] for month in open_months}
    if open_months:
        readable = (
            answered.filter(not_for_venue=False)
            .exclude(text="")
            .annotate(month=TruncMonth("use__used_on"))
            .filter(month__in=open_months)
            .values_list("month", "text")
        )
        for month, text in readable:
            texts[month].append(text)
    months = []
    last = 12 if year < today.year else today.month
    for m in range(last, 0, -1):
        month = dt.date(year, m, 1)
        n = counts.get(month, 0)
        # Sorted by their text, so the order says nothing about who wrote when.
        comments = sorted(texts[month], key=str.casefold) if month in texts else None
        months.append(Month(month=month, answers=show_number(n, limit), comments=comments))
    return months


@dataclass
class Themes:
    ratings: SafeTable
    with_comment: Shown
    answers: Shown


def area_themes(area: Area, year: int, *, national: bool = False) -> Themes:
    """Answers per rating at each venue of the area, and how many had a comment; suppressed."""
    start, end = _year_bounds(year)
    threshold = None if national else NationalSettings.get().small_count_threshold
    venues = list(Site.objects.venues().filter(area=area).order_by("name", "pk"))
    answered = Feedback.objects.answered().filter(use__venue__area=area, use__used_on__gte=start, use__used_on__lte=end)
    rows = answered.values("use__venue_id", "score").annotate(n=Count("pk")).order_by()
    by_venue: dict[int, dict[int, int]] = {}
    for row in rows:
        by_venue.setdefault(row["use__venue_id"], {})[row["score"]] = row["n"]
    values = [[by_venue.get(v.pk, {}).get(score, 0) for score in SCORES] for v in venues]
    table = suppress(venues, [str(s) for s in SCORES], values, threshold)
    totals = answered.aggregate(answers=Count("pk"), with_comment=Count("pk", filter=~Q(text="")))
    return Themes(
        ratings=table,
        with_comment=show_number(totals["with_comment"], threshold),
        answers=show_number(totals["answers"], threshold),
    )
