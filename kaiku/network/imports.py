"""Spreadsheet import of sites and venues (``kaiku.web.imports`` runs it all-or-nothing)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from kaiku.network.forms import SiteForm
from kaiku.network.models import Area, Sector, Site
from kaiku.network.onboarding import create_site
from kaiku.web.imports import Column, Context, ImportResult, choice, run
from kaiku.web.models import ImportRecord
from kaiku.web.uploads import Table, cell_text

SITE_COLUMNS = [
    Column("kind", gettext_lazy("Kind"), help=gettext_lazy("distributor, venue or agency")),
    Column("name", gettext_lazy("Name")),
    Column("organisation", gettext_lazy("Organisation"), required=False),
    Column(
        "municipality", gettext_lazy("Municipality code"), required=False, help=gettext_lazy("Three digits, e.g. 837")
    ),
    Column(
        "sector", gettext_lazy("Sector"), required=False, help=gettext_lazy("culture, education, science or sports")
    ),
    Column("address", gettext_lazy("Visiting address"), required=False),
    Column("website", gettext_lazy("Website"), required=False),
    Column("contact_name", gettext_lazy("Contact person"), required=False),
    Column("contact_email", gettext_lazy("Contact e-mail"), required=False),
]


def import_sites(area: Area, table: Table, actor: Any, filename: str = "") -> ImportResult:
    def handle(row: int, raw: dict[str, Any], ctx: Context) -> None:
        data = {code: cell_text(v) for code, v in raw.items()}
        data["kind"] = choice(data.get("kind", ""), Site.Kind.choices)
        data["sector"] = choice(data.get("sector", ""), Sector.choices)
        form = SiteForm(data=data, area=area)
        if not form.is_valid():
            for name, messages in form.errors.items():
                for message in messages:
                    ctx.error(row, name if name != "__all__" else "name", message)
            return
        create_site(form.save(commit=False), actor)
        ctx.created += 1

    return run(
        ImportRecord.Kind.SITES, SITE_COLUMNS, table, handle, actor=actor, filename=filename, area=area, site=None
    )
