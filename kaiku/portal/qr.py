"""The text in the digital card's QR code, drawn as inline SVG (no image request)."""

from __future__ import annotations

import segno
from django.utils.html import format_html
from django.utils.safestring import SafeString

from kaiku.cards.models import Card


def card_qr_text(card: Card) -> str:
    """The one place the portal gets the card's code: the door's signed card code."""
    from kaiku.door.codes import card_code

    return card_code(card)


def card_qr_svg(card: Card, label: str) -> SafeString:
    qr = segno.make(card_qr_text(card), error="m")
    svg = qr.svg_inline(scale=4, border=4, dark="#000", light="#fff", omitsize=True, svgclass="qr", lineclass=None)
    # role + label so screen readers announce the code as one image.
    return format_html('<div class="qr-wrap" role="img" aria-label="{}">{}</div>', label, SafeString(svg))
