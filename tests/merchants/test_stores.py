import datetime as dt

import pytest

from regulars.core import geo
from regulars.core.errors import DomainError, NotFound, PermissionDenied
from regulars.merchants import services
from regulars.merchants.models import (
    CatalogItem,
    HolidayClosure,
    OpeningHours,
    Photo,
    Role,
    StaffMember,
    Store,
)
from regulars.merchants.permissions import StaffContext, staff_context
from tests.conftest import image_upload, make_person, make_store

pytestmark = pytest.mark.django_db


def test_a_new_store_gets_its_grid_cells_from_its_position(owner_a):
    store = make_store(owner_a, at=(31.2397, 121.4998))
    assert store.geocell == geo.FINE.cell(31.2397, 121.4998)
    assert store.geocell_coarse == geo.COARSE.cell(31.2397, 121.4998)
    moved = services.update_store(
        actor=owner_a,
        store_id=store.pk,
        data=services.StoreInput(
            name=store.name, category="dry-cleaning", address="新地址", lat=31.1885, lng=121.4365
        ),
    )
    assert moved.geocell == geo.FINE.cell(31.1885, 121.4365)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lat": 91}, "lat"),
        ({"lng": -181}, "lng"),
        ({"name": "  "}, "name"),
        ({"category": "no-such"}, "category"),
        ({"phone": "12"}, "phone"),
        ({"address": ""}, "address"),
    ],
)
def test_bad_store_input_is_refused_and_nothing_is_saved(owner_a, change, field):
    data = dict(name="店", category="dry-cleaning", address="某路1号", lat=31.2, lng=121.4)
    data.update(change)
    with pytest.raises(DomainError) as refused:
        services.create_store(actor=owner_a, data=services.StoreInput(**data))
    assert refused.value.field == field
    assert not Store.objects.exists()


def test_hours_that_end_before_they_start_are_refused_and_the_old_hours_stay(owner_a, store_a):
    before = list(
        OpeningHours.objects.filter(store=store_a).values_list("weekday", "opens", "closes")
    )
    with pytest.raises(DomainError, match="later than opening"):
        services.set_opening_hours(
            actor=owner_a,
            store_id=store_a.pk,
            ranges=[
                services.HoursRange(0, dt.time(9), dt.time(12)),
                services.HoursRange(1, dt.time(18), dt.time(9)),
            ],
        )
    after = list(
        OpeningHours.objects.filter(store=store_a).values_list("weekday", "opens", "closes")
    )
    assert after == before and len(after) == 7


def test_overlapping_ranges_on_one_day_are_refused(owner_a, store_a):
    with pytest.raises(DomainError, match="overlap"):
        services.set_opening_hours(
            actor=owner_a,
            store_id=store_a.pk,
            ranges=[
                services.HoursRange(2, dt.time(9), dt.time(14)),
                services.HoursRange(2, dt.time(13), dt.time(20)),
            ],
        )


def test_a_lunch_break_is_two_ranges_on_the_same_day(owner_a, store_a):
    services.set_opening_hours(
        actor=owner_a,
        store_id=store_a.pk,
        ranges=[
            services.HoursRange(4, dt.time(10, 30), dt.time(14)),
            services.HoursRange(4, dt.time(17), dt.time(21, 30)),
        ],
    )
    assert OpeningHours.objects.filter(store=store_a, weekday=4).count() == 2
    assert OpeningHours.objects.filter(store=store_a).count() == 2


def test_holiday_closure_must_not_end_before_it_starts(owner_a, store_a):
    with pytest.raises(DomainError):
        services.add_closure(
            actor=owner_a,
            store_id=store_a.pk,
            start_date=dt.date(2026, 10, 7),
            end_date=dt.date(2026, 10, 1),
        )
    closure = services.add_closure(
        actor=owner_a,
        store_id=store_a.pk,
        start_date=dt.date(2027, 2, 5),
        end_date=dt.date(2027, 2, 12),
        note="春节",
    )
    assert HolidayClosure.objects.get().note == "春节"
    services.remove_closure(actor=owner_a, closure_id=closure.pk)
    assert not HolidayClosure.objects.exists()


def test_photo_upload_is_reencoded_with_a_thumbnail(owner_a, store_a):
    photo = services.add_photo(
        actor=owner_a,
        store_id=store_a.pk,
        kind="storefront",
        upload=image_upload(size=(1600, 1200)),
    )
    assert (photo.width, photo.height) == (1600, 1200)
    assert photo.image.name.endswith(".jpg") and photo.thumbnail.name.endswith(".webp")
    from PIL import Image

    from regulars.core.images import jpeg_bytes

    with Image.open(photo.thumbnail.path) as thumb:
        assert thumb.format == "WEBP"
        assert thumb.width <= 480 and thumb.height <= 360
    # What a phone downloads for a list of shops: smaller than the same thumbnail as JPEG.
    with Image.open(photo.image.path) as original:
        as_jpeg = len(jpeg_bytes(original, (480, 360)))
    assert photo.thumbnail.size < as_jpeg


def test_a_text_file_posted_as_a_photo_is_refused(owner_a, store_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("menu.jpg", b"this is not a picture", content_type="image/jpeg")
    with pytest.raises(DomainError, match="JPEG, PNG or WebP") as refused:
        services.add_photo(actor=owner_a, store_id=store_a.pk, kind="storefront", upload=fake)
    assert refused.value.field == "image"
    assert not Photo.objects.exists()


def test_a_gif_is_refused_and_an_oversized_photo_too(owner_a, store_a):
    with pytest.raises(DomainError):
        services.add_photo(
            actor=owner_a,
            store_id=store_a.pk,
            kind="storefront",
            upload=image_upload("PNG"),
            max_bytes=100,
        )
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, "GIF")
    gif = SimpleUploadedFile("a.gif", buffer.getvalue(), content_type="image/gif")
    with pytest.raises(DomainError):
        services.add_photo(actor=owner_a, store_id=store_a.pk, kind="storefront", upload=gif)
    assert not Photo.objects.exists()


def test_catalogue_prices_are_decimal_cents_and_validated(owner_a, store_a):
    item = services.create_item(
        actor=owner_a,
        store_id=store_a.pk,
        data=services.ItemInput(name="衬衫干洗", price="15.5", duration_minutes=None, buyable=True),
    )
    item.refresh_from_db()
    assert str(item.price) == "15.50"
    for bad in ("-1", "abc", "1000000"):
        with pytest.raises(DomainError) as refused:
            services.create_item(
                actor=owner_a, store_id=store_a.pk, data=services.ItemInput(name="x", price=bad)
            )
        assert refused.value.field == "price"
    with pytest.raises(DomainError) as refused:
        services.create_item(
            actor=owner_a,
            store_id=store_a.pk,
            data=services.ItemInput(name="预约", price="10", bookable=True),
        )
    assert refused.value.field == "duration_minutes"
    assert CatalogItem.objects.count() == 1


def test_public_service_stores_cannot_sell_or_take_bookings(owner_a):
    bank = make_store(owner_a, name="工商银行（南京东路支行）", category="bank")
    with pytest.raises(DomainError, match="discovery only"):
        services.create_item(
            actor=owner_a,
            store_id=bank.pk,
            data=services.ItemInput(name="开户", price="0", duration_minutes=30, bookable=True),
        )
    listed = services.create_item(
        actor=owner_a, store_id=bank.pk, data=services.ItemInput(name="个人业务", price="0")
    )
    assert not listed.bookable and not listed.buyable


def test_another_merchants_store_is_not_found_and_unchanged(owner_a, owner_b, store_a):
    with pytest.raises(NotFound):
        services.update_store(
            actor=owner_b,
            store_id=store_a.pk,
            data=services.StoreInput(
                name="抢来的", category="barber", address="x", lat=31, lng=121
            ),
        )
    with pytest.raises(NotFound):
        services.create_item(
            actor=owner_b, store_id=store_a.pk, data=services.ItemInput(name="x", price="1")
        )
    with pytest.raises(NotFound):
        services.add_photo(
            actor=owner_b, store_id=store_a.pk, kind="storefront", upload=image_upload()
        )
    store_a.refresh_from_db()
    assert store_a.name == "洁丽洗衣（南京东路店）"
    assert not CatalogItem.objects.exists() and not Photo.objects.exists()


@pytest.mark.parametrize("role", [Role.CASHIER, Role.ACCOUNT_MANAGER])
def test_cashiers_and_account_managers_cannot_change_the_store(owner_a, store_a, role):
    clerk = StaffContext(user=owner_a.user, merchant=owner_a.merchant, role=role)
    with pytest.raises(PermissionDenied):
        make_store(clerk, name="新店")
    with pytest.raises(PermissionDenied):
        services.create_item(
            actor=clerk, store_id=store_a.pk, data=services.ItemInput(name="x", price="1")
        )
    with pytest.raises(PermissionDenied):
        services.invite_staff(actor=clerk, contact="13700000000", role=Role.CASHIER)


def test_managers_edit_stores_but_cannot_invite_staff(owner_a, store_a):
    manager = StaffContext(user=owner_a.user, merchant=owner_a.merchant, role=Role.MANAGER)
    services.create_item(
        actor=manager, store_id=store_a.pk, data=services.ItemInput(name="x", price="1")
    )
    with pytest.raises(PermissionDenied):
        services.invite_staff(actor=manager, contact="13700000000", role=Role.CASHIER)


def test_an_invitation_is_accepted_only_by_the_invited_person(owner_a):
    invitation = services.invite_staff(actor=owner_a, contact="137 0000 0000", role=Role.CASHIER)
    stranger = make_person("13600000000")
    with pytest.raises(DomainError):
        services.accept_invitation(user=stranger, token=invitation.token)
    cashier = make_person("13700000000")
    staff_member = services.accept_invitation(user=cashier, token=invitation.token)
    assert staff_member.role == Role.CASHIER
    assert staff_context(cashier).merchant == owner_a.merchant
    with pytest.raises(DomainError):
        services.accept_invitation(user=cashier, token=invitation.token)


def test_the_last_owner_cannot_be_demoted(owner_a):
    staff_member = StaffMember.objects.get(user=owner_a.user)
    with pytest.raises(DomainError, match="at least one owner"):
        services.change_staff_role(
            actor=owner_a, staff_member_id=staff_member.pk, role=Role.CASHIER
        )
    assert StaffMember.objects.get(pk=staff_member.pk).role == Role.OWNER


def test_a_service_whose_photo_is_refused_is_not_saved_either(owner_a, store_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    with pytest.raises(DomainError):
        services.create_item(
            actor=owner_a,
            store_id=store_a.pk,
            data=services.ItemInput(name="洗衣", price="10"),
            photo=bad,
        )
    assert not CatalogItem.objects.exists() and not Photo.objects.exists()
    item = services.create_item(
        actor=owner_a,
        store_id=store_a.pk,
        data=services.ItemInput(name="洗衣", price="10"),
        photo=image_upload(),
    )
    assert item.photos.count() == 1


@pytest.mark.django_db
def test_joining_as_a_merchant_is_all_or_nothing_and_counts_as_a_sign_up(client, texts):
    from regulars.accounts.models import User
    from regulars.merchants.models import Merchant

    form = {
        "merchant_name": "洁丽洗衣",
        "category": "dry-cleaning",
        "merchant_phone": "not a phone",
        "login": "13911113333",
        "password": "a-Good-passphrase-42",
        "display_name": "老板",
    }
    client.post("/console/join/", {**form, "action": "send_code"})
    form["code"] = texts.code_for("+8613911113333")
    refused = client.post("/console/join/", form)
    assert refused.status_code == 200 and "merchant_phone" in refused.content.decode()
    assert not User.objects.filter(phone="+8613911113333").exists()
    assert not Merchant.objects.exists()
    # The retry with a good phone works (no half-made account blocks it).
    done = client.post("/console/join/", {**form, "merchant_phone": "021-63211234"})
    assert done.status_code == 302
    assert Merchant.objects.get().staff_roles.get().user.phone == "+8613911113333"
    # Like every sign-up, ten accounts an hour per address.
    client.logout()
    for n in range(11):
        login = f"139222200{n:02d}"
        client.post(
            "/console/join/", {"login": login, "action": "send_code"}, REMOTE_ADDR="10.3.3.3"
        )
        code = texts.code_for(f"+86{login}")
        last = client.post(
            "/console/join/",
            {**form, "merchant_phone": "", "login": login, "code": code},
            REMOTE_ADDR="10.3.3.3",
        )
        client.logout()
    blocked = last
    assert blocked.status_code == 200 and "Many accounts" in blocked.content.decode()
    assert not User.objects.filter(phone="+8613922220010").exists()
