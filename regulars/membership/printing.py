"""Printable sheets of physical member cards: a PDF of card-sized tiles, number and QR code each."""

import io

import segno
from PIL import Image, ImageDraw, ImageFont

A4_300DPI = (2480, 3508)
COLUMNS, ROWS = 2, 4
MARGIN = 150
CJK_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)


def _font(size: int):
    for path in CJK_FONTS:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def _grouped(number: str) -> str:
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))


def cards_pdf(*, title: str, color: str, numbers: list[str]) -> bytes:
    """One A4 page per eight cards (85.6 × 54 mm each at 300 dpi), with cutting outlines."""
    tile_w, tile_h = 1011, 638  # 85.6 mm × 54 mm at 300 dpi
    gap_x = (A4_300DPI[0] - 2 * MARGIN - COLUMNS * tile_w) // max(COLUMNS - 1, 1)
    gap_y = (A4_300DPI[1] - 2 * MARGIN - ROWS * tile_h) // max(ROWS - 1, 1)
    title_font, number_font = _font(64), _font(54)
    pages = []
    for start in range(0, len(numbers), COLUMNS * ROWS):
        page = Image.new("RGB", A4_300DPI, "white")
        draw = ImageDraw.Draw(page)
        for index, number in enumerate(numbers[start : start + COLUMNS * ROWS]):
            col, row = index % COLUMNS, index // COLUMNS
            x, y = MARGIN + col * (tile_w + gap_x), MARGIN + row * (tile_h + gap_y)
            draw.rounded_rectangle(
                (x, y, x + tile_w, y + tile_h), radius=40, outline="#999999", width=3
            )
            draw.rounded_rectangle((x, y, x + tile_w, y + 150), radius=40, fill=color)
            draw.text((x + 50, y + 40), title, font=title_font, fill="white")
            buffer = io.BytesIO()
            segno.make(number, error="m").save(buffer, kind="png", scale=10, border=1)
            qr = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB").resize((360, 360))
            page.paste(qr, (x + tile_w - 400, y + 220))
            draw.text(
                (x + 50, y + tile_h - 130), _grouped(number), font=number_font, fill="#1d2327"
            )
        pages.append(page)
    out = io.BytesIO()
    pages[0].save(out, "PDF", resolution=300, save_all=True, append_images=pages[1:])
    return out.getvalue()
