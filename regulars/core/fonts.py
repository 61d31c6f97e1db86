"""A font with Chinese glyphs for what Regulars draws itself (card pictures, printable sheets)."""

import functools
from pathlib import Path

from django.conf import settings
from PIL import ImageFont

CANDIDATES = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/System/Library/Fonts/PingFang.ttc",
]


@functools.cache
def _path() -> str | None:
    """`REGULARS_CARD_FONT`, else the first of the usual locations that exists."""
    for candidate in [getattr(settings, "REGULARS_CARD_FONT", ""), *CANDIDATES]:
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def cjk_font(size: int):
    """Without any CJK font installed, Pillow's own font: Chinese then draws as boxes."""
    path = _path()
    return ImageFont.truetype(path, size) if path else ImageFont.load_default(size)
