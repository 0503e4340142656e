"""CSV and XLSX of published tables (written by ``kaiku.web.spreadsheets``), and the annual area report as PDF.

Exports take the same suppressed cells as the pages (``SafeTable``), so a file
never holds a value its page hides.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from kaiku.stats.suppression import SafeTable, Shown


def table_matrix(heading: Any, table: SafeTable) -> list[list[Any]]:
    """The table as rows of plain values: ints where shown, the suppression mark where hidden."""

    def cell(c: Shown) -> Any:
        return c.value if c.value is not None else c.text

    header = [str(heading), *(str(c) for c in table.columns)]
    if table.row_totals is not None:
        header.append(_("Total"))
    out: list[list[Any]] = [header]
    for i, row in enumerate(table.rows):
        line = [str(row), *(cell(c) for c in table.cells[i])]
        if table.row_totals is not None:
            line.append(cell(table.row_totals[i]))
        out.append(line)
    if table.col_totals is not None:
        line = [_("Total"), *(cell(c) for c in table.col_totals)]
        if table.row_totals is not None and table.total is not None:
            line.append(cell(table.total))
        out.append(line)
    return out


def pdf_bytes(html: str, base_url: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url=base_url).write_pdf()  # type: ignore[no-any-return]
