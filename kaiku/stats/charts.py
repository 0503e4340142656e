"""Server-rendered SVG charts. Each chart sits beside its table, which is the accessible version
(the chart's text alternative says so and names the table).

A chart draws only published values: a suppressed cell gets no bar, so a bar's
length can never reveal a hidden count.
"""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from kaiku.stats.suppression import SafeTable

# Colour-blind-safe, contrast >= 3:1 against white (Okabe-Ito blue and vermillion, darkened).
COLOURS = ["#005a8c", "#b3480a", "#4d4d4d", "#0b6b2e"]
WIDTH = 640
ROW_HEIGHT = 28
LABEL_WIDTH = 190


def _value(table: SafeTable, i: int, j: int) -> int:
    v = table.cells[i][j].value
    return v if v is not None else 0


def bar_chart(table: SafeTable, title: str, chart_id: str, table_id: str = "") -> SafeString:
    """Horizontal stacked bars, one per row; the columns are the stack's parts."""
    m, n = len(table.rows), len(table.columns)
    if m == 0:
        return mark_safe("")
    top = 24
    height = top + m * ROW_HEIGHT + 8
    largest = max((sum(_value(table, i, j) for j in range(n)) for i in range(m)), default=0) or 1
    scale = (WIDTH - LABEL_WIDTH - 70) / largest
    parts: list[SafeString] = []
    x: float = LABEL_WIDTH
    for j, column in enumerate(table.columns):
        parts.append(
            format_html(
                '<rect x="{}" y="4" width="12" height="12" fill="{}"/><text x="{}" y="15" font-size="12">{}</text>',
                x,
                COLOURS[j % len(COLOURS)],
                x + 16,
                column,
            )
        )
        x += 16 + 8 * len(str(column)) + 16
    for i, row in enumerate(table.rows):
        y = top + i * ROW_HEIGHT
        label = str(row)
        parts.append(
            format_html(
                '<text x="{}" y="{}" font-size="12" text-anchor="end">{}</text>',
                LABEL_WIDTH - 6,
                y + 17,
                label if len(label) <= 28 else label[:27] + "…",
            )
        )
        x = LABEL_WIDTH
        for j in range(n):
            w = round(_value(table, i, j) * scale, 1)
            if w > 0:
                parts.append(
                    format_html(
                        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>',
                        x,
                        y + 4,
                        w,
                        ROW_HEIGHT - 8,
                        COLOURS[j % len(COLOURS)],
                    )
                )
            x += w
        total = table.row_totals[i].text if table.row_totals else " / ".join(c.text for c in table.cells[i])
        parts.append(format_html('<text x="{}" y="{}" font-size="12">{}</text>', x + 4, y + 17, total))
    return _svg(parts, height, title, chart_id, table_id)


def timeline_chart(table: SafeTable, title: str, chart_id: str, table_id: str = "") -> SafeString:
    """Vertical stacked columns, one per row (a month), left to right."""
    m, n = len(table.rows), len(table.columns)
    if m == 0:
        return mark_safe("")
    height = 180
    bottom = height - 30
    top = 28
    largest = max((sum(_value(table, i, j) for j in range(n)) for i in range(m)), default=0) or 1
    scale = (bottom - top) / largest
    step = (WIDTH - 50) / m
    bar = max(step * 0.7, 1)
    parts: list[SafeString] = [
        format_html('<line x1="40" y1="{}" x2="{}" y2="{}" stroke="#767676"/>', bottom, WIDTH - 5, bottom),
        format_html('<text x="36" y="{}" font-size="11" text-anchor="end">0</text>', bottom),
    ]
    if largest > 1:
        # The scale's top is a sum of shown values only, so it never reveals a hidden count.
        parts.append(format_html('<text x="36" y="{}" font-size="11" text-anchor="end">{}</text>', top + 4, largest))
    x = 0.0
    for j, column in enumerate(table.columns):
        parts.append(
            format_html(
                '<rect x="{}" y="4" width="12" height="12" fill="{}"/><text x="{}" y="15" font-size="12">{}</text>',
                45 + x,
                COLOURS[j % len(COLOURS)],
                61 + x,
                column,
            )
        )
        x += 16 + 8 * len(str(column)) + 16
    every = max(1, m // 12)
    for i, row in enumerate(table.rows):
        cx = 45 + i * step
        y = float(bottom)
        for j in range(n):
            h = round(_value(table, i, j) * scale, 1)
            if h > 0:
                y -= h
                parts.append(
                    format_html(
                        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>',
                        round(cx, 1),
                        round(y, 1),
                        round(bar, 1),
                        h,
                        COLOURS[j % len(COLOURS)],
                    )
                )
        if i % every == 0:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" font-size="10" text-anchor="middle">{}</text>',
                    round(cx + bar / 2, 1),
                    bottom + 14,
                    str(row)[2:] if len(str(row)) == 7 else row,
                )
            )
    return _svg(parts, height, title, chart_id, table_id)


def _svg(parts: list[SafeString], height: int, title: str, chart_id: str, table_id: str = "") -> SafeString:
    """The chart as an image whose text alternative names it and, when ``table_id`` is given, its table."""
    if table_id:
        desc = format_html(
            '<desc id="{}-desc">{}</desc>',
            chart_id,
            _("A chart. The same figures are in the table after it: %(title)s.") % {"title": title},
        )
        described = format_html(' aria-describedby="{}-desc" aria-details="{}"', chart_id, table_id)
    else:
        desc = described = mark_safe("")
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-labelledby="{}-title"{} '
        'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMinYMin meet">'
        '<title id="{}-title">{}</title>{}{}</svg>',
        WIDTH,
        height,
        chart_id,
        described,
        chart_id,
        title,
        desc,
        format_html_join("", "{}", ((p,) for p in parts)),
    )


def render(kind: str, table: SafeTable, title: str, chart_id: str, table_id: str = "") -> SafeString:
    """The table's chart (``kind``: "timeline", "bars"; anything else draws none), naming ``table_id`` as its table."""
    if kind == "timeline":
        return timeline_chart(table, title, chart_id, table_id)
    if kind == "bars":
        return bar_chart(table, title, chart_id, table_id)
    return mark_safe("")
