"""The national admin's published yearly rows: entered, changed and removed with their rules."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kaiku.audit import services as audit
from kaiku.takeover.models import PublishedYear
from kaiku.visits.models import Use
from kaiku.web.errors import CodedError


class PublishedError(CodedError):
    """A published yearly row was refused. ``code`` is stable; ``message`` is translated."""

    MESSAGES: dict[str, Any] = {
        "year_not_past": _("Only a year that has ended can have a published row."),
        "year_has_data": _(
            "Kaiku holds uses from %(year)s on: a published row is only for a year before any data in Kaiku."
        ),
        "total_mismatch": _("Total uses must be the adult and child uses added together (%(sum)s)."),
    }


def first_data_year() -> int | None:
    """The first year with an accepted use in Kaiku (recorded or imported), or None."""
    first = (
        Use.objects.filter(outcome=Use.Outcome.ACCEPTED).order_by("used_on").values_list("used_on", flat=True).first()
    )
    return first.year if first else None


def check_published(row: PublishedYear) -> None:
    if row.year >= timezone.localdate().year:
        raise PublishedError("year_not_past")
    first = first_data_year()
    if first is not None and row.year >= first:
        raise PublishedError("year_has_data", year=first)
    added = sum(row.adult()) + sum(row.child())
    if row.total != added:
        raise PublishedError("total_mismatch", sum=added)


FIELDS = (
    "year",
    "registered",
    "taken_into_use",
    *(f"adult_{s}" for s in PublishedYear.SECTORS),
    *(f"child_{s}" for s in PublishedYear.SECTORS),
    "total",
    "municipalities",
)


@transaction.atomic
def save_published(row: PublishedYear, actor: Any) -> PublishedYear:
    check_published(row)
    created = row.pk is None
    row.entered_by = actor if getattr(actor, "pk", None) else None
    row.save()
    action = "takeover.published_added" if created else "takeover.published_changed"
    audit.record(actor, action, row, changes={name: getattr(row, name) for name in FIELDS})
    return row


@transaction.atomic
def delete_published(row: PublishedYear, actor: Any) -> None:
    audit.record(actor, "takeover.published_removed", row, changes={"year": row.year})
    row.delete()
