"""Printable A4 sheets of codes — physical member cards, paper coupons — as a PDF: card-sized
tiles with a coloured header, a title, a QR code and the number grouped for reading aloud."""

import io

import segno
from PIL import Image, ImageDraw

from .codes import grouped
from .fonts import cjk_font

A4_300DPI = (2480, 3508)
COLUMNS, ROWS = 2, 4
MARGIN = 150
TILE = (1011, 638)  # 85.6 mm × 54 mm at 300 dpi


def codes_pdf(*, title: str, color: str, codes: list[str], subtitle: str = "") -> bytes:
    """One A4 page per eight tiles, with cutting outlines."""
    tile_w, tile_h = TILE
    gap_x = (A4_300DPI[0] - 2 * MARGIN - COLUMNS * tile_w) // max(COLUMNS - 1, 1)
    gap_y = (A4_300DPI[1] - 2 * MARGIN - ROWS * tile_h) // max(ROWS - 1, 1)
    title_font, subtitle_font, number_font = cjk_font(64), cjk_font(44), cjk_font(54)
    pages = []
    for start in range(0, max(len(codes), 1), COLUMNS * ROWS):
        page = Image.new("RGB", A4_300DPI, "white")
        draw = ImageDraw.Draw(page)
        for index, code in enumerate(codes[start : start + COLUMNS * ROWS]):
            col, row = index % COLUMNS, index // COLUMNS
            x, y = MARGIN + col * (tile_w + gap_x), MARGIN + row * (tile_h + gap_y)
            draw.rounded_rectangle(
                (x, y, x + tile_w, y + tile_h), radius=40, outline="#999999", width=3
            )
            draw.rounded_rectangle((x, y, x + tile_w, y + 150), radius=40, fill=color)
            draw.text((x + 50, y + 40), title, font=title_font, fill="white")
            if subtitle:
                draw.text((x + 50, y + 200), subtitle, font=subtitle_font, fill="#1d2327")
            buffer = io.BytesIO()
            segno.make(code, error="m").save(buffer, kind="png", scale=10, border=1)
            qr = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB").resize((360, 360))
            page.paste(qr, (x + tile_w - 400, y + 220))
            draw.text((x + 50, y + tile_h - 130), grouped(code), font=number_font, fill="#1d2327")
        pages.append(page)
    out = io.BytesIO()
    pages[0].save(out, "PDF", resolution=300, save_all=True, append_images=pages[1:])
    return out.getvalue()
