"""A bill's receipt on a 58 mm or 80 mm roll (page, PDF, ESC/POS), and the customer's own bills."""

import re
import unicodedata

import pytest

from regulars.accounts.services import create_api_token
from regulars.counter import receipt
from regulars.counter import services as counter
from regulars.membership import services as cards
from tests.conftest import make_merchant, make_person


@pytest.fixture
def bill(salon, card):
    owner, store, haircut, wash = salon
    cards.top_up(card_id=card.pk, amount="100", idempotency_key="fund")
    return counter.ring_up(
        actor=owner,
        card_id=card.pk,
        lines=[counter.LineIn(haircut.pk, 1), counter.LineIn(wash.pk, 1)],
        tenders=[
            counter.TenderIn("stored_value", "100"),
            counter.TenderIn("cash", "96.50", given="100"),
        ],
        password="258036",
        idempotency_key="receipt-1",
    )


def _columns(text: str) -> int:
    """Columns on a Chinese thermal printer: wide and ambiguous characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WFA" else 1 for ch in text)


@pytest.mark.parametrize(("width", "columns"), [(58, 32), (80, 48)])
def test_the_receipt_fits_its_roll_and_says_what_was_paid(bill, width, columns):
    lines = [text for text, _row in receipt.text_lines(bill, width)]
    assert all(_columns(line) <= columns for line in lines), lines
    text = "\n".join(lines)
    assert "鑫安美发" in text and bill.number in text
    assert "洗剪吹 ×1" in text and "￥196.50" in text  # 68 + 128.50, no member price
    assert re.search(r"￥100\.00\n.*￥96\.50", text)  # the balance part, then the cash part
    assert "￥3.50" in text  # the change from ¥100


def test_pdf_and_escpos_carry_the_receipt_and_the_link(bill):
    pdf = receipt.pdf(bill, 58, "https://example.com/me/bills/1/")
    assert pdf.startswith(b"%PDF") and b"STSong-Light" in pdf
    assert re.search(rb"/MediaBox \[ 0 0 164\.4", pdf)  # 58 mm wide
    printed = receipt.escpos(bill, 80, "https://example.com/me/bills/1/")
    assert printed.startswith(b"\x1b@")
    assert "鑫安美发".encode("gb18030") in printed
    assert b"\x1d(k" in printed and b"https://example.com/me/bills/1/" in printed  # the QR
    assert printed.endswith(b"\x1dV\x00")  # feed, then a full cut


def test_the_api_and_the_console_give_the_receipt(client, salon, bill):
    owner = salon[0]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {create_api_token(user=owner.user)}"}
    base = f"/api/v1/merchant/bills/{bill.pk}/receipt"
    text = client.get(f"{base}?format=text&width=80", **headers).json()
    assert text["width"] == 80 and text["link"].endswith(f"/me/bills/{bill.pk}/")
    assert any(bill.number in line for line in text["lines"])
    pdf = client.get(base, **headers)
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    escpos = client.get(f"{base}?format=escpos", **headers)
    assert escpos["Content-Type"] == "application/octet-stream"
    other = make_merchant("13900000079", name="别家", category="hair-salon")
    stranger = {"HTTP_AUTHORIZATION": f"Bearer {create_api_token(user=other.user)}"}
    assert client.get(base, **stranger).status_code == 404
    client.force_login(owner.user)
    page = client.get(f"/console/bills/{bill.pk}/receipt/?width=80").content.decode()
    assert bill.number in page and "receipt-80" in page


def test_the_customer_sees_their_bills_and_only_theirs(client, bill, card):
    client.force_login(card.consumer)
    mine = client.get("/api/v1/me/bills").json()
    assert [b["number"] for b in mine] == [bill.number]
    page = client.get(f"/me/bills/{bill.pk}/").content.decode()
    assert "鑫安美发" in page and "196.50" in page
    client.force_login(make_person("13800000444", "路人"))
    assert client.get("/api/v1/me/bills").json() == []
    assert client.get(f"/api/v1/me/bills/{bill.pk}").status_code == 404
    assert client.get(f"/me/bills/{bill.pk}/").status_code == 404
