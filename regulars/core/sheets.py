"""Printable A4 sheets of codes — physical member cards, paper coupons — as a PDF: card-sized
tiles with a coloured header, a title, a QR code and the number grouped for reading aloud.

The PDF is drawn as vectors with ReportLab, page by page: a QR code is a few hundred filled
rectangles, the number is Helvetica, and the title and subtitle (Chinese, drawn once with the CJK
font into a small picture) are one image each that every tile refers to. A sheet of 2,000 codes
costs a few megabytes whatever its length; the earlier raster pages held a 300-dpi bitmap per
A4 page in memory (600 codes: 2.6 GB in one worker).
"""

import io

import segno
from PIL import Image, ImageDraw
from reportlab.lib.colors import HexColor, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from .codes import grouped
from .fonts import cjk_font

COLUMNS, ROWS = 2, 4
TILE_W, TILE_H = 85.6 * mm, 54 * mm  # a bank card
MARGIN = 12.7 * mm
HEADER_H = 12.7 * mm
QR_SIZE = 30 * mm
INK = HexColor("#1d2327")
OUTLINE = HexColor("#999999")


def _text_picture(text: str, size_px: int, color: str) -> ImageReader:
    """Text in the CJK font on a transparent background, at 300 dpi."""
    font = cjk_font(size_px)
    left, top, right, bottom = font.getbbox(text)
    picture = Image.new("RGBA", (max(right - left, 1) + 8, max(bottom - top, 1) + 8), (0, 0, 0, 0))
    ImageDraw.Draw(picture).text((4 - left, 4 - top), text, font=font, fill=color)
    return ImageReader(picture)


def _draw_qr(canvas: Canvas, code: str, x: float, y: float, size: float) -> None:
    """The code's QR as filled rectangles, one per horizontal run of dark modules."""
    matrix = [list(row) for row in segno.make(code, error="m").matrix]
    border = 1
    count = len(matrix) + 2 * border
    module = size / count
    path = canvas.beginPath()
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            top = y + size - (r + border + 1) * module
            path.rect(x + (start + border) * module, top, (c - start) * module, module)
    canvas.setFillColor(INK)
    canvas.drawPath(path, stroke=0, fill=1)


def _place(canvas: Canvas, picture: ImageReader, x: float, y: float, height: float) -> None:
    width_px, height_px = picture.getSize()
    canvas.drawImage(picture, x, y, height * width_px / height_px, height, mask="auto")


def codes_pdf(*, title: str, color: str, codes: list[str], subtitle: str = "") -> bytes:
    """One A4 page per eight tiles, with cutting outlines."""
    page_w, page_h = A4
    gap_x = (page_w - 2 * MARGIN - COLUMNS * TILE_W) / max(COLUMNS - 1, 1)
    gap_y = (page_h - 2 * MARGIN - ROWS * TILE_H) / max(ROWS - 1, 1)
    title_picture = _text_picture(title, 64, "white")
    subtitle_picture = _text_picture(subtitle, 44, "#1d2327") if subtitle else None
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, pageCompression=1)
    canvas.setTitle(title)
    per_page = COLUMNS * ROWS
    for start in range(0, max(len(codes), 1), per_page):
        for index, code in enumerate(codes[start : start + per_page]):
            col, row = index % COLUMNS, index // COLUMNS
            x = MARGIN + col * (TILE_W + gap_x)
            top = page_h - MARGIN - row * (TILE_H + gap_y)
            y = top - TILE_H
            canvas.setStrokeColor(OUTLINE)
            canvas.setLineWidth(0.7)
            canvas.roundRect(x, y, TILE_W, TILE_H, 3.4 * mm, stroke=1, fill=0)
            canvas.setFillColor(HexColor(color))
            canvas.roundRect(x, top - HEADER_H, TILE_W, HEADER_H, 3.4 * mm, stroke=0, fill=1)
            canvas.rect(x, top - HEADER_H, TILE_W, HEADER_H / 2, stroke=0, fill=1)  # square foot
            _place(canvas, title_picture, x + 4 * mm, top - HEADER_H + 3 * mm, HEADER_H - 6 * mm)
            if subtitle_picture is not None:
                _place(canvas, subtitle_picture, x + 4 * mm, top - HEADER_H - 9 * mm, 5 * mm)
            _draw_qr(canvas, code, x + TILE_W - QR_SIZE - 3 * mm, y + 4 * mm, QR_SIZE)
            canvas.setFillColor(INK)
            canvas.setFont("Helvetica-Bold", 13)
            canvas.drawString(x + 4 * mm, y + 7 * mm, grouped(code))
        canvas.setFillColor(white)
        canvas.showPage()
    canvas.save()
    return out.getvalue()
