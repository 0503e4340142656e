from pathlib import Path

import pytest
import zxingcpp
from django.contrib.auth.hashers import make_password
from PIL import Image

from kaiku.cards import services as cards
from kaiku.cards.models import Card
from kaiku.door import code39, codes, printables
from kaiku.door.tests.poppler import pdf_text, pdf_to_png

pytestmark = pytest.mark.django_db


def _png_pages(pdf: bytes, tmp_path: Path, dpi: int = 300) -> list[Image.Image]:
    """Render a PDF the way a scanner or a phone photo sees it: pdftoppm (poppler)."""
    return [Image.open(p) for p in pdf_to_png(pdf, tmp_path, dpi)]


def test_code39_encodes_the_standard_table():
    # "*A*": start, A, stop; each character is 5 bars and 4 spaces with 3 wide.
    widths = [w for _bar, w in code39.modules("A")]
    assert len(widths) == 3 * 9 + 2
    assert all(code39.PATTERNS[ch].count("1") == 3 for ch in code39.PATTERNS)
    with pytest.raises(ValueError):
        code39.modules("a*b")


def test_a_printed_sheet_decodes_back_to_every_code_and_number(world, tmp_path):
    stock = cards.create_stock(world.distributor_a, 11)
    pdf = printables.stock_sheet_pdf(world.distributor_a, stock, "fi")
    pages = _png_pages(pdf, tmp_path)
    assert len(pages) == 2  # ten cards a page
    qr_texts: list[str] = []
    barcode_texts: list[str] = []
    for page in pages:
        for found in zxingcpp.read_barcodes(page):
            if found.format == zxingcpp.BarcodeFormat.QRCode:
                qr_texts.append(found.text)
            elif found.format == zxingcpp.BarcodeFormat.Code39:
                barcode_texts.append(found.text)
    assert sorted(qr_texts) == sorted(codes.card_code(card) for card in stock)
    assert sorted(barcode_texts) == sorted(card.number for card in stock)
    for text in qr_texts:
        checked = codes.verify_code(text)
        assert checked.ok and checked.code is not None and checked.code.is_stock


def test_the_holder_slip_carries_the_code_only_when_just_issued(world, tmp_path):
    issued = cards.renew_card(world.card_a, None)
    pdf = printables.holder_slip_pdf(issued.card, issued.activation_code, "en")
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert issued.activation_code in text
    assert issued.card.display_number in text
    assert "How to use the card" in text
    (page,) = _png_pages(pdf, tmp_path, dpi=200)
    found = {r.format: r.text for r in zxingcpp.read_barcodes(page)}
    assert found[zxingcpp.BarcodeFormat.QRCode] == codes.card_code(issued.card)
    without = pdf_text(printables.holder_slip_pdf(issued.card, None, "sv"))
    assert issued.activation_code not in without
    assert "Så använder du kortet" in without  # printed in Swedish
    assert "Näin käytät korttia" in pdf_text(printables.holder_slip_pdf(issued.card, None, "fi"))


def test_the_slip_view_checks_the_posted_code_against_the_hash(world):
    card = Card.objects.get(pk=world.card_a.pk)
    card.activation_code_hash = make_password("ABCDEFGH")
    card.save()
    client = world.client_for("distributor")
    right = client.post(f"/door/cards/{card.pk}/slip.pdf", {"activation_code": "abcdefgh", "language": "en"})
    wrong = client.post(f"/door/cards/{card.pk}/slip.pdf", {"activation_code": "ZZZZZZZZ", "language": "en"})

    def text(response):
        return pdf_text(response.content)

    assert right["Content-Type"] == "application/pdf"
    assert "ABCDEFGH" in text(right)
    assert "ZZZZZZZZ" not in text(wrong)


def test_the_sheet_view_prints_the_sites_stock_only(world):
    cards.create_stock(world.distributor_b, 3)
    client = world.client_for("distributor")
    response = client.get(f"/door/sites/{world.distributor_a.pk}/sheet.pdf", {"count": 5, "language": "sv"})
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    assert world.stock_a.display_number in text
    assert "Ark 1 av 1" in text
    bad = client.get(f"/door/sites/{world.distributor_a.pk}/sheet.pdf", {"count": 0})
    assert bad.status_code == 302


def test_the_card_page_after_a_renewal_prints_the_slip_with_the_new_code(world):
    client = world.client_for("distributor")
    page = client.post(f"/cards/{world.card_a.pk}/renew/", follow=True)
    form = page.content.decode()
    assert f'action="/door/cards/{world.card_a.pk}/slip.pdf"' in form
    code = form.split('name="activation_code" value="', 1)[1].split('"', 1)[0]
    assert len(code) == 8
    slip = client.post(f"/door/cards/{world.card_a.pk}/slip.pdf", {"activation_code": code, "language": "fi"})
    assert code in pdf_text(slip.content)
    # Shown once: the card page no longer has the code, and the plain slip link has none.
    again = client.get(f"/cards/{world.card_a.pk}/").content.decode()
    assert code not in again and f"/door/cards/{world.card_a.pk}/slip.pdf" in again
