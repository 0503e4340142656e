"""Code 39 barcodes as SVG, for the card number under the QR code.

Code 39 covers the card alphabet (digits and capitals) without a check digit; each
character is five bars and four spaces, three of the nine wide. The table below is
the standard one: ``1`` marks a wide element, bars and spaces alternate starting
with a bar, and characters are separated by a narrow space.
"""

from __future__ import annotations

PATTERNS = {
    "0": "000110100", "1": "100100001", "2": "001100001", "3": "101100000",
    "4": "000110001", "5": "100110000", "6": "001110000", "7": "000100101",
    "8": "100100100", "9": "001100100", "A": "100001001", "B": "001001001",
    "C": "101001000", "D": "000011001", "E": "100011000", "F": "001011000",
    "G": "000001101", "H": "100001100", "I": "001001100", "J": "000011100",
    "K": "100000011", "L": "001000011", "M": "101000010", "N": "000010011",
    "O": "100010010", "P": "001010010", "Q": "000000111", "R": "100000110",
    "S": "001000110", "T": "000010110", "U": "110000001", "V": "011000001",
    "W": "111000000", "X": "010010001", "Y": "110010000", "Z": "011010000",
    "-": "010000101", ".": "110000100", " ": "011000100", "*": "010010100",
    "$": "010101000", "/": "010100010", "+": "010001010", "%": "000101010",
}  # fmt: skip
WIDE = 3  # wide:narrow ratio; 2.2-3 is allowed, 3 reads best from a phone camera


def modules(text: str) -> list[tuple[bool, int]]:
    """(is_bar, width in narrow units) for ``*text*``, quiet zones excluded."""
    text = text.upper()
    unknown = set(text) - set(PATTERNS) | ({"*"} & set(text))
    if unknown:
        raise ValueError(f"Code 39 cannot encode {sorted(unknown)}")
    out: list[tuple[bool, int]] = []
    for index, ch in enumerate(f"*{text}*"):
        if index:
            out.append((False, 1))
        for i, wide in enumerate(PATTERNS[ch]):
            out.append((i % 2 == 0, WIDE if wide == "1" else 1))
    return out


def svg(text: str, height: float = 12.0, module_mm: float = 0.3) -> str:
    """An SVG (millimetre units) with a quiet zone of ten narrow modules each side."""
    quiet = 10
    x = quiet
    rects = []
    for is_bar, width in modules(text):
        if is_bar:
            rects.append(f'<rect x="{x}" y="0" width="{width}" height="1"/>')
        x += width
    total = x + quiet
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total * module_mm:.2f}mm" height="{height:.2f}mm" '
        f'viewBox="0 0 {total} 1" preserveAspectRatio="none" role="img" aria-label="{text}">'
        f'<rect width="{total}" height="1" fill="#fff"/><g fill="#000">{"".join(rects)}</g></svg>'
    )
