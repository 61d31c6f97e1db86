"""The card face is a picture drawn from the merchant's design."""

import io

import pytest
from PIL import Image

from regulars.membership import services
from tests.conftest import image_upload, make_person

pytestmark = pytest.mark.django_db


def picture(response) -> Image.Image:
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    return Image.open(io.BytesIO(b"".join(response)))


def test_the_consumer_sees_their_card_as_a_picture_in_the_design_colours(client, card, consumer):
    client.force_login(consumer)
    page = client.get(f"/me/cards/{card.pk}/").content.decode()
    assert f"/me/cards/{card.pk}/card.png" in page
    image = picture(client.get(f"/me/cards/{card.pk}/card.png")).convert("RGBA")
    assert image.size == (856, 540)
    # The classic template is the main colour (#e8572a) where no text is drawn; corners are round.
    assert image.getpixel((428, 270)) == (0xE8, 0x57, 0x2A, 255)
    assert image.getpixel((0, 0))[3] == 0


def test_a_redesign_changes_the_picture(client, card, consumer, salon):
    client.force_login(consumer)
    before = picture(client.get(f"/me/cards/{card.pk}/card.png")).convert("RGB")
    services.design_program(
        actor=salon[0],
        title="鑫安会员卡",
        color="#2255aa",
        logo=image_upload(size=(200, 200), name="logo.png"),
    )
    after = picture(client.get(f"/me/cards/{card.pk}/card.png")).convert("RGB")
    assert after.getpixel((428, 270)) == (0x22, 0x55, 0xAA)
    # The logo (a rust-coloured square in this test) sits in the top-right corner.
    assert after.getpixel((856 - 48 - 56, 48 + 56)) == (200, 80, 40)
    assert before.getpixel((856 - 48 - 56, 48 + 56)) != (200, 80, 40)


def test_another_persons_card_picture_is_not_found(client, card):
    client.force_login(make_person("13800000188"))
    assert client.get(f"/me/cards/{card.pk}/card.png").status_code == 404


def test_the_designer_shows_the_published_face(client, program, salon):
    client.force_login(salon[0].user)
    assert "/console/card/preview.png?" in client.get("/console/card/").content.decode()
    assert picture(client.get("/console/card/face.png")).size == (856, 540)


def test_the_designers_preview_is_the_picture_the_saved_card_becomes(client, program, salon):
    """The preview is drawn by the same code from the form as typed: after saving that form the
    published picture is the same, pixel for pixel (the old HTML preview differed)."""
    from PIL import ImageChops

    client.force_login(salon[0].user)
    design = {"title": "夜色会员卡", "subtitle": "满百送十", "template": "night"}
    design |= {"color": "#2255aa", "text_color": "#ffeecc"}
    preview = picture(client.post("/console/card/preview.png", design)).convert("RGB")
    before = picture(client.get("/console/card/face.png")).convert("RGB")
    assert ImageChops.difference(preview, before).getbbox() is not None  # not saved yet
    services.design_program(actor=salon[0], **design)
    saved = picture(client.get("/console/card/face.png")).convert("RGB")
    assert ImageChops.difference(preview, saved).getbbox() is None
    # A picture chosen but not saved shows in the preview only; a bad file is left out.
    with_logo = client.post(
        "/console/card/preview.png",
        {**design, "logo": image_upload(size=(200, 200), name="logo.png")},
    )
    assert picture(with_logo).convert("RGB").getpixel((856 - 48 - 56, 48 + 56)) == (200, 80, 40)
    text_file = io.BytesIO(b"not a picture")
    text_file.name = "logo.png"
    assert (
        client.post("/console/card/preview.png", {**design, "logo": text_file}).status_code == 200
    )
    # Only the shop's staff who design cards may draw it.
    client.force_login(make_person("13800000189"))
    assert client.post("/console/card/preview.png", design).status_code in (302, 403)
