"""The member card as a picture: what the consumer's phone shows (and saves to its photos).

Drawn with Pillow from the program's design — template, colours, background picture, logo, title
— plus the holder's tier and card number, at twice the size a phone shows it so it stays sharp.
The designer's preview is this same drawing of the form as it is being filled in, so what the
merchant sees while designing is exactly what customers' phones will show. Chinese text needs a CJK font (`core.fonts`).
"""

import io

from PIL import Image, ImageChops, ImageColor, ImageDraw, ImageOps

from regulars.core import codes
from regulars.core.fonts import cjk_font

WIDTH, HEIGHT = 856, 540  # ISO/IEC 7810 ID-1 proportions, 2× a phone's 428 pt
PAD = 48
# Each template is a diagonal gradient between two colours drawn from the main colour.
TEMPLATES = {
    "classic": lambda color: (color, color),
    "fresh": lambda color: (color, _mix(color, (255, 255, 255), 0.7)),
    "night": lambda color: ((29, 35, 39), color),
    "gold": lambda color: ((184, 134, 11), (246, 226, 122)),
}


def _mix(a, b, share: float):
    return tuple(round(x + (y - x) * share) for x, y in zip(a, b, strict=True))


def _rgb(value: str, fallback: str):
    try:
        return ImageColor.getrgb(value)[:3]
    except ValueError:
        return ImageColor.getrgb(fallback)[:3]


def _gradient(start, end) -> Image.Image:
    """A diagonal gradient from the top-left to the bottom-right corner."""
    vertical = Image.linear_gradient("L")  # 256×256, dark at the top
    horizontal = vertical.rotate(90)  # dark at the left
    ramp = ImageChops.add(vertical, horizontal, scale=2).resize((WIDTH, HEIGHT))
    return Image.composite(
        Image.new("RGB", (WIDTH, HEIGHT), end), Image.new("RGB", (WIDTH, HEIGHT), start), ramp
    )


def _picture(field) -> Image.Image | None:
    if not field:
        return None
    try:
        with field.open("rb") as handle:
            picture = Image.open(io.BytesIO(handle.read()))
            picture.load()
        return picture
    except (OSError, ValueError):
        return None  # a missing file must not take the card away


def render(
    program,
    *,
    tier_name: str,
    number: str,
    holder: str = "",
    logo: Image.Image | None = None,
    background: Image.Image | None = None,
) -> bytes:
    """The card face as PNG bytes. `logo` and `background` replace the program's pictures (the
    designer's preview of pictures chosen but not yet saved)."""
    color = _rgb(program.color, "#e8572a")
    text = _rgb(program.text_color, "#ffffff")
    start, end = TEMPLATES.get(program.template, TEMPLATES["classic"])(color)
    face = _gradient(start, end)
    background = background or _picture(program.background)
    if background is not None:
        cover = ImageOps.fit(background.convert("RGB"), (WIDTH, HEIGHT))
        # Darken the picture so the text stays legible on any photo.
        face = Image.blend(cover, Image.new("RGB", (WIDTH, HEIGHT), (0, 0, 0)), 0.35)
    draw = ImageDraw.Draw(face)
    logo = logo or _picture(program.logo)
    if logo is not None:
        logo = ImageOps.contain(logo.convert("RGBA"), (112, 112))
        face.paste(logo, (WIDTH - PAD - logo.width, PAD), logo)
    draw.text((PAD, PAD), program.title, font=cjk_font(56), fill=text)
    if program.subtitle:
        draw.text((PAD, PAD + 76), program.subtitle, font=cjk_font(30), fill=text)
    draw.text((PAD, HEIGHT - PAD - 110), tier_name, font=cjk_font(36), fill=text)
    draw.text((PAD, HEIGHT - PAD - 56), codes.grouped(number), font=cjk_font(44), fill=text)
    if holder:
        draw.text(
            (WIDTH - PAD, HEIGHT - PAD - 50), holder, font=cjk_font(32), fill=text, anchor="ra"
        )
    mask = Image.new("L", (WIDTH, HEIGHT), 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, WIDTH - 1, HEIGHT - 1), radius=36, fill=255)
    rounded = Image.new("RGBA", (WIDTH, HEIGHT), (0, 0, 0, 0))
    rounded.paste(face, (0, 0), mask)
    out = io.BytesIO()
    rounded.save(out, "PNG", optimize=True)
    return out.getvalue()
