"""A bill's receipt: the same rows drawn three ways — a printable page, a PDF the width of a
58 mm or 80 mm roll, and ESC/POS bytes for a thermal printer.

Thermal printers in China print Chinese in GB18030 in their Chinese mode (the default of the
common 58/80 mm models); python-escpos lays out the commands (alignment, bold, the QR code, the
cut) and the text goes in as GB18030 bytes.
"""

import io
import unicodedata
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Bill

WIDTHS = {58: 32, 80: 48}  # columns of half-width characters per line


@dataclass(frozen=True)
class Row:
    left: str
    right: str = ""
    strong: bool = False
    centred: bool = False
    rule: bool = False  # a dashed line across


def rows(bill: Bill) -> list[Row]:
    """What a receipt says, top to bottom."""
    store = bill.store
    found = [
        Row(bill.merchant.name, strong=True, centred=True),
        Row(store.name, centred=True),
    ]
    if store.address:
        found.append(Row(store.address, centred=True))
    if store.phone:
        found.append(Row(store.phone, centred=True))
    found += [
        Row("", rule=True),
        Row(_("Bill"), bill.number),
        Row(_("Time"), f"{timezone.localtime(bill.created_at):%Y-%m-%d %H:%M}"),
        Row(_("Cashier"), str(bill.cashier or "")),
    ]
    if bill.card_id:
        found.append(Row(_("Member"), f"{bill.card.number} {bill.card.tier.name}"))
    if bill.corrects_day:
        found.append(Row(_("Corrects"), f"{bill.corrects_day:%Y-%m-%d}"))
    found.append(Row("", rule=True))
    for line in bill.lines.all():
        found.append(Row(f"{line.name} ×{line.quantity}", f"￥{line.amount}"))
    found += [Row("", rule=True), Row(_("List price"), f"￥{bill.subtotal}")]
    if bill.punch_value:
        found.append(Row(_("Punch cards cover"), f"-￥{bill.punch_value}"))
    if bill.member_savings:
        found.append(Row(f"{_('Member price')} {bill.member_label}", f"-￥{bill.member_savings}"))
    if bill.coupon_discount:
        found.append(Row(_("Coupon"), f"-￥{bill.coupon_discount}"))
    if bill.points_used:
        found.append(Row(_("%(n)s points") % {"n": bill.points_used}, f"-￥{bill.points_value}"))
    found.append(Row(_("Paid"), f"￥{bill.total}", strong=True))
    for tender in bill.tenders.all():
        label = tender.get_kind_display() + (f" {tender.method}" if tender.method else "")
        found.append(Row(label, f"￥{tender.amount}"))
        if tender.change:
            found.append(Row(_("Handed over"), f"￥{tender.given}"))
            found.append(Row(_("Change"), f"￥{tender.change}"))
    for refund in bill.refunds.all():
        found.append(
            Row(
                f"{_('Refund')} {timezone.localtime(refund.created_at):%m-%d}",
                f"-￥{refund.amount}",
            )
        )
    if bill.card_id:
        found += [
            Row(_("Points earned"), str(bill.points_earned)),
            Row(_("Balance left"), f"￥{bill.card.balance}"),
            Row(_("Points"), str(bill.card.points)),
        ]
    found += [Row("", rule=True), Row(_("Thank you, see you again!"), centred=True)]
    return found


def _columns(text: str) -> int:
    """How many half-width columns `text` takes on a printer: in its Chinese mode, wide and
    ambiguous characters (Chinese, ￥, ×) print two columns wide."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WFA" else 1 for ch in text)


def _fit(text: str, columns: int) -> str:
    out, used = "", 0
    for ch in text:
        width = _columns(ch)
        if used + width > columns:
            break
        out, used = out + ch, used + width
    return out


def text_lines(bill: Bill, width_mm: int) -> list[tuple[str, Row]]:
    """Each row as one line of fixed-width text for a roll of `width_mm`."""
    columns = WIDTHS[width_mm]
    lines = []
    for row in rows(bill):
        if row.rule:
            lines.append(("-" * columns, row))
        elif row.right:
            right = row.right
            left = _fit(row.left, columns - _columns(right) - 1)
            gap = columns - _columns(left) - _columns(right)
            lines.append((left + " " * gap + right, row))
        else:
            lines.append((_fit(row.left, columns), row))
    return lines


def escpos(bill: Bill, width_mm: int, link: str) -> bytes:
    """The receipt as ESC/POS bytes, with a QR code to the customer's bill page and a cut."""
    from escpos.printer import Dummy

    printer = Dummy()
    printer.hw("INIT")
    for text, row in text_lines(bill, width_mm):
        printer.set(align="center" if row.centred else "left", bold=row.strong)
        printer._raw((text + "\n").encode("gb18030", errors="replace"))
    printer.set(align="center", bold=False)
    printer.qr(link, size=5 if width_mm == 80 else 4, native=True)
    printer.cut()
    return printer.output


def pdf(bill: Bill, width_mm: int, link: str) -> bytes:
    """The receipt as a PDF page the width of the roll and as long as the receipt."""
    import segno
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen.canvas import Canvas

    # A CID font every PDF reader in China has: nothing to embed, vector text.
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    lines = text_lines(bill, width_mm)
    size, leading, margin = (7, 9, 2 * mm) if width_mm == 58 else (8.5, 11, 3 * mm)
    qr_side = (width_mm - 24) * mm
    height = margin * 2 + leading * len(lines) + qr_side + 4 * mm
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(width_mm * mm, height))
    canvas.setTitle(_("Bill %(number)s") % {"number": bill.number})
    y = height - margin - size
    for text, row in lines:
        canvas.setFont("STSong-Light", size + (1 if row.strong else 0))
        if row.centred:
            canvas.drawCentredString(width_mm * mm / 2, y, text.strip())
        else:
            canvas.drawString(margin, y, text)
        y -= leading
    qr = segno.make(link, error="m")
    modules = qr.symbol_size(scale=1, border=0)[0]
    cell = qr_side / modules
    left, top = (width_mm * mm - qr_side) / 2, y - 2 * mm
    for row_index, row in enumerate(qr.matrix):
        for column, dark in enumerate(row):
            if dark:
                canvas.rect(
                    left + column * cell,
                    top - (row_index + 1) * cell,
                    cell,
                    cell,
                    stroke=0,
                    fill=1,
                )
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def download(bill: Bill, width_mm: int, kind: str, link: str) -> tuple[bytes, str, str]:
    """The receipt as a file: (bytes, content type, Content-Disposition) for "pdf" or "escpos"."""
    if kind == "escpos":
        return (
            escpos(bill, width_mm, link),
            "application/octet-stream",
            f'attachment; filename="{bill.number}.bin"',
        )
    return pdf(bill, width_mm, link), "application/pdf", f'inline; filename="{bill.number}.pdf"'
