"""Printable PDFs (WeasyPrint): card stock sheets and the holder slip."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from kaiku.cards.models import Card
from kaiku.door import code39, codes
from kaiku.network.models import Site
from kaiku.web.mail import absolute_url

CARD_WIDTH_MM = 85.6
CARD_HEIGHT_MM = 54.0
COLUMNS = 2
ROWS = 5
PER_PAGE = COLUMNS * ROWS
LANGUAGES = ("fi", "sv", "en")
MARGIN_X = (210 - COLUMNS * CARD_WIDTH_MM) / 2
MARGIN_Y = (297 - ROWS * CARD_HEIGHT_MM) / 2


@dataclass
class PrintedCard:
    card: Card
    code: str
    qr_svg: str
    barcode_svg: str
    left: str
    top: str


def qr_svg(text: str, size_mm: float) -> str:
    qr = segno.make(text, error="m", boost_error=False)
    svg = qr.svg_inline(border=4, scale=1, omitsize=True)
    return svg.replace("<svg ", f'<svg width="{size_mm}mm" height="{size_mm}mm" ', 1)


def _printed(card: Card, index: int) -> PrintedCard:
    code = codes.card_code(card)
    return PrintedCard(
        card=card,
        code=code,
        qr_svg=qr_svg(code, 30),
        barcode_svg=code39.svg(card.number, height=10),
        left=_mm(MARGIN_X + CARD_WIDTH_MM * (index % COLUMNS)),
        top=_mm(MARGIN_Y + CARD_HEIGHT_MM * ((index // COLUMNS) % ROWS)),
    )


def _barcode(number: str) -> str:
    """Code 39 of the number; none for a legacy number with characters Code 39 lacks."""
    try:
        return code39.svg(number, height=10)
    except ValueError:
        return ""


def _mm(value: float) -> str:
    return f"{value:.2f}mm"


def _pdf(template: str, context: dict[str, Any], language: str) -> bytes:
    from weasyprint import HTML

    with translation.override(language if language in LANGUAGES else "fi"):
        html = render_to_string(template, context)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def stock_sheet_pdf(site: Site, cards: list[Card], language: str = "fi") -> bytes:
    """A4 sheets, ten cards each, with the number, its signed QR code, Code 39 and cut marks."""
    printed = [_printed(card, i) for i, card in enumerate(cards)]
    pages = [printed[i : i + PER_PAGE] for i in range(0, len(printed), PER_PAGE)] or [[]]
    mark = 2.0  # the cut marks stop this far from the cards
    context = {
        "site": site,
        "pages": pages,
        "card_w": _mm(CARD_WIDTH_MM),
        "card_h": _mm(CARD_HEIGHT_MM),
        "mark_x": _mm(MARGIN_X - mark),
        "mark_y": _mm(MARGIN_Y - mark),
        "cut_x": [_mm(MARGIN_X + CARD_WIDTH_MM * i) for i in range(COLUMNS + 1)],
        "cut_y": [_mm(MARGIN_Y + CARD_HEIGHT_MM * i) for i in range(ROWS + 1)],
    }
    return _pdf("door/print/stock_sheet.html", context, language)


def holder_slip_pdf(card: Card, activation_code: str | None, language: str = "fi") -> bytes:
    """The slip given at registration and renewal; the activation code only when just issued."""
    code = codes.card_code(card)
    context = {
        "card": card,
        "site": card.site,
        "qr_svg": qr_svg(code, 40),
        "barcode_svg": _barcode(card.number),
        "activation_code": activation_code,
        "portal_url": absolute_url("/portal/"),
        "privacy_url": absolute_url("/privacy/"),
    }
    return _pdf("door/print/holder_slip.html", context, language)
