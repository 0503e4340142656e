"""Generated materials: the public area page, the brochure PDF and the pilot evaluation report."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.apps import apps
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.utils import timezone

from kaiku.cards.models import Card
from kaiku.network.models import Area, NationalSettings, Site
from kaiku.visits.models import Reason, Use


def brochure_context(area: Area) -> dict[str, Any]:
    sites = Site.objects.filter(area=area).active().select_related("municipality").order_by("name")
    rules = NationalSettings.get()
    return {
        "area": area,
        "distributors": [s for s in sites if s.kind == Site.Kind.DISTRIBUTOR],
        "venues": [s for s in sites if s.kind == Site.Kind.VENUE],
        "municipalities": list(area.municipalities.all()),
        "rules": rules,
    }


def _pdf(template: str, context: dict[str, Any], base_url: str) -> bytes:
    from weasyprint import HTML  # imported late: loading WeasyPrint takes a moment

    html = render_to_string(template, context)
    return HTML(string=html, base_url=base_url).write_pdf()  # type: ignore[no-any-return]


def brochure_pdf(area: Area, base_url: str = "") -> bytes:
    return _pdf("onboarding/brochure.html", brochure_context(area), base_url)


def pilot_period(area: Area) -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    start = area.pilot_start or timezone.localdate(area.created_at)
    end = min(area.pilot_end or today, today)
    return start, max(start, end)


def pilot_figures(area: Area, *, national: bool) -> dict[str, Any]:
    """The pilot's numbers. Outside the national view, counts below the threshold are hidden."""
    start, end = pilot_period(area)
    threshold = 0 if national else NationalSettings.get().small_count_threshold
    cards = Card.objects.filter(site__area=area, registered_on__gte=start, registered_on__lte=end)
    card_counts = cards.aggregate(
        registered=Count("pk"),
        personal=Count("pk", filter=Q(kind=Card.Kind.PERSONAL)),
        community=Count("pk", filter=Q(kind=Card.Kind.COMMUNITY)),
    )
    uses = Use.objects.filter(venue__area=area, used_on__gte=start, used_on__lte=end)
    use_counts = uses.aggregate(
        accepted=Count("pk", filter=Q(outcome=Use.Outcome.ACCEPTED, voided_at__isnull=True)),
        refused=Count("pk", filter=Q(outcome=Use.Outcome.REFUSED)),
        cards_used=Count("card", filter=Q(outcome=Use.Outcome.ACCEPTED, voided_at__isnull=True), distinct=True),
    )
    children = sum(uses.accepted().values_list("children", flat=True))
    reasons = [
        (str(Reason(r["reason"]).label) if r["reason"] in Reason.values else r["reason"], r["n"])
        for r in uses.refused().values("reason").annotate(n=Count("pk")).order_by("-n")
    ]
    sites = Site.objects.filter(area=area)
    venues = (
        sites.venues()
        .annotate(
            n=Count(
                "uses",
                filter=Q(
                    uses__outcome=Use.Outcome.ACCEPTED,
                    uses__voided_at__isnull=True,
                    uses__used_on__gte=start,
                    uses__used_on__lte=end,
                ),
            )
        )
        .order_by("-n", "name")
    )
    distributors = (
        sites.distributors()
        .annotate(n=Count("cards", filter=Q(cards__registered_on__gte=start, cards__registered_on__lte=end)))
        .order_by("-n", "name")
    )

    def shown(n: int) -> str:
        return f"<{threshold}" if 0 < n < threshold else str(n)

    feedback = None
    try:
        Feedback = apps.get_model("portal", "Feedback")
    except LookupError:  # the holder portal is not installed
        Feedback = None
    if Feedback is not None:
        feedback = Feedback.objects.filter(
            use__venue__area=area, use__used_on__gte=start, use__used_on__lte=end
        ).summary(threshold=threshold)
    return {
        "area": area,
        "start": start,
        "end": end,
        "cards": {k: shown(v) for k, v in card_counts.items()},
        "uses": {k: shown(v) for k, v in use_counts.items()},
        "children": shown(children),
        "reasons": [(label, shown(n)) for label, n in reasons],
        "venues": [(v.name, shown(v.n), v.offboarded_at) for v in venues],  # type: ignore[attr-defined]
        "distributors": [(d.name, shown(d.n), d.offboarded_at) for d in distributors],  # type: ignore[attr-defined]
        "feedback": feedback,
        "threshold": threshold,
        "generated": timezone.localtime(),
    }


def pilot_report_pdf(area: Area, *, national: bool, base_url: str = "") -> bytes:
    return _pdf("onboarding/pilot_report.html", pilot_figures(area, national=national), base_url)
