"""Printable code sheets are vector PDFs made in bounded memory, whatever the count."""

import re
import tracemalloc

from regulars.core import codes
from regulars.core.sheets import codes_pdf


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page[^s]", pdf))


def test_a_sheet_of_eight_hundred_codes_stays_small_in_memory_and_on_paper():
    numbers = [codes.new_code() for _ in range(800)]
    tracemalloc.start()
    try:
        pdf = codes_pdf(
            title="洁丽洗衣 · 满100减20", color="#e8572a", codes=numbers, subtitle="满¥100减¥20"
        )
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert pdf.startswith(b"%PDF") and _pages(pdf) == 100
    # A raster A4 page at 300 dpi alone is 26 MB; 100 of them were held at once before.
    assert peak < 40 * 1024 * 1024, peak
    assert len(pdf) < 2 * 1024 * 1024
    # The Chinese title and subtitle are drawn once and shared by every tile.
    assert pdf.count(b"/Subtype /Image") <= 4


def test_an_empty_sheet_is_still_one_page():
    assert _pages(codes_pdf(title="会员卡", color="#1f6feb", codes=[])) == 1
