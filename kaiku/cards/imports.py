"""Spreadsheet import of cards given out on paper (``kaiku.web.imports`` runs it all-or-nothing)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kaiku.cards import services as cards
from kaiku.cards.forms import HolderDetailsForm
from kaiku.cards.models import CardEvent, Gender, LifeSituation
from kaiku.network.models import Municipality, NationalSettings, Site
from kaiku.web.imports import Column, Context, ImportResult, choice, paper_record, run
from kaiku.web.models import ImportRecord
from kaiku.web.uploads import Table

REGISTRATION_COLUMNS = [
    Column("date", gettext_lazy("Date"), help=gettext_lazy("The day the card was given")),
    Column("card_number", gettext_lazy("Card number"), help=gettext_lazy("The number printed on the card")),
    Column("birth_year", gettext_lazy("Birth year")),
    Column("postal_code", gettext_lazy("Postal code")),
    Column("municipality", gettext_lazy("Municipality code"), help=gettext_lazy("Three digits, e.g. 837")),
    Column("children", gettext_lazy("Children"), required=False),
    Column("gender", gettext_lazy("Gender"), required=False),
    Column("life_situation", gettext_lazy("Life situation"), required=False),
]


LOST_ZERO = gettext_lazy(
    "%(value)s is too short: the code has %(digits)s digits. If it begins with 0, format the column as text "
    "in Excel, type the code in full and upload the file again."
)

CARD_ERROR_COLUMN = {
    "too_young": "birth_year",
    "birth_year_invalid": "birth_year",
    "municipality_not_in_network": "municipality",
    "municipality_outside_local_area": "municipality",
    "postal_code_invalid": "postal_code",
    "children_invalid": "children",
}


def import_registrations(site: Site, table: Table, actor: Any, filename: str = "") -> ImportResult:
    """Cards given out on paper: registered with ``register_card``, dated on the day they were given."""

    def handle(row: int, raw: dict[str, Any], ctx: Context) -> None:
        data, day, number = paper_record(row, raw, ctx)
        # Excel drops a leading zero from a number: 03310 arrives as 3310, 091 as 91. Never
        # pad it back silently; the person who typed it says what they meant.
        code = data.get("municipality", "")
        municipality = None
        if code.isdigit() and len(code) < 3:
            ctx.error(row, "municipality", LOST_ZERO % {"value": code, "digits": 3})
        else:
            municipality = Municipality.objects.filter(code=code).first()
            if municipality is None:
                ctx.error(row, "municipality", _("No municipality has this code."))
        postal_code = data.get("postal_code", "")
        short_postal_code = postal_code.isdigit() and len(postal_code) < 5
        if short_postal_code:
            ctx.error(row, "postal_code", LOST_ZERO % {"value": postal_code, "digits": 5})
        form = HolderDetailsForm(
            data={
                "birth_year": data.get("birth_year", ""),
                "municipality": municipality.pk if municipality else "",
                "postal_code": postal_code,
                "children": data.get("children") or "0",
                "gender": choice(data.get("gender", ""), Gender.choices),
                "life_situation": choice(data.get("life_situation", ""), LifeSituation.choices),
            },
            site=site,
        )
        if not form.is_valid():
            for name, messages in form.errors.items():
                if (name == "municipality" and municipality is None) or (name == "postal_code" and short_postal_code):
                    continue
                for message in messages:
                    ctx.error(row, name if name in ctx.columns else "card_number", message)
            return
        if day is None or not number or municipality is None:
            return
        details = form.details()
        reason = cards.eligibility_error(details, site, on=day)
        if reason:
            ctx.error(
                row,
                CARD_ERROR_COLUMN.get(reason, "card_number"),
                cards.CardError(reason, age=NationalSettings.get().min_holder_age).message,
            )
            return
        try:
            # Given on paper earlier: the year of validity and the statistics run from that day.
            issued = cards.register_card(site, details, actor, number=number, on=day)
        except cards.CardError as exc:
            ctx.error(row, CARD_ERROR_COLUMN.get(exc.code, "card_number"), exc.message)
            return
        event = CardEvent.objects.get(card=issued.card, kind=CardEvent.Kind.REGISTERED)
        event.details = {**event.details, "import": filename[:100]}
        event.save(update_fields=["details"])
        ctx.created += 1

    return run(
        ImportRecord.Kind.REGISTRATIONS,
        REGISTRATION_COLUMNS,
        table,
        handle,
        actor=actor,
        filename=filename,
        area=None,
        site=site,
    )
