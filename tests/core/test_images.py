"""Uploaded photos keep their pixels and nothing else."""

import io

from PIL import Image, PngImagePlugin

from regulars.core.images import jpeg_bytes, png_bytes


def _upload_with_metadata(fmt: str) -> Image.Image:
    buffer = io.BytesIO()
    image = Image.new("RGB", (64, 48), (200, 80, 40))
    if fmt == "JPEG":
        exif = Image.Exif()
        exif[0x010E] = "secret description"  # ImageDescription
        image.save(buffer, "JPEG", comment=b"<script>alert(1)</script>", exif=exif.tobytes())
    else:
        text = PngImagePlugin.PngInfo()
        text.add_text("Comment", "<script>alert(1)</script>")
        image.save(buffer, "PNG", pnginfo=text)
    buffer.seek(0)
    return Image.open(buffer)


def test_a_jpeg_comment_and_exif_do_not_survive_re_encoding():
    upload = _upload_with_metadata("JPEG")
    assert upload.info.get("comment")  # the attack is really in the file
    saved = jpeg_bytes(upload)
    assert b"<script>" not in saved and b"secret description" not in saved
    reopened = Image.open(io.BytesIO(saved))
    assert "comment" not in reopened.info and "exif" not in reopened.info
    assert reopened.size == (64, 48)


def test_png_text_chunks_do_not_survive():
    saved = png_bytes(_upload_with_metadata("PNG"), (200, 200))
    assert b"<script>" not in saved
    assert jpeg_bytes(_upload_with_metadata("PNG")).find(b"<script>") == -1
