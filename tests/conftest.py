import datetime as dt
import io
import os
import zoneinfo

import pytest
from django.utils import timezone
from PIL import Image

from regulars.accounts.services import create_api_token, sign_up
from regulars.core import clock
from regulars.core.maps import resolve_map_setup
from regulars.merchants import services
from regulars.merchants.models import Role
from regulars.merchants.permissions import StaffContext

PASSWORD = "a-Good-passphrase-42"
PEOPLE_SQUARE = (31.2317, 121.4846)


# The day every test runs on, whatever the calendar says: Monday 2026-11-23, noon in Shanghai.
# `REGULARS_TEST_NOW=2027-02-28T23:50:00+08:00 ./dev test` reruns the suite on another day, which
# is how date hazards are swept (see docs/decisions/0001-one-injectable-clock.md).
TEST_NOW = dt.datetime.fromisoformat(
    os.environ.get("REGULARS_TEST_NOW", "2026-11-23T12:00:00+08:00")
).astimezone(zoneinfo.ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _pinned_clock():
    """Every test starts at TEST_NOW on a clock that ticks (so "created first" still sorts first)."""
    clock.pin(TEST_NOW)
    yield
    clock.unpin()


@pytest.fixture
def test_now() -> dt.datetime:
    return TEST_NOW


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.REGULARS_MAP = resolve_map_setup("osm", tile_url="")  # no network: plain maps
    settings.LANGUAGE_CODE = "en"
    # A replica (CI's PostgreSQL pass has one) lags its primary by milliseconds; tests that
    # commit and read at once would race it. tests/core/test_replicas.py turns reads on.
    settings.REGULARS_REPLICA_READS = False


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    from regulars.discovery.spatial import forget_density
    from regulars.merchants.selectors import forget_category_cache

    cache.clear()
    forget_density()
    forget_category_cache()
    yield
    cache.clear()
    forget_density()
    forget_category_cache()


@pytest.fixture
def seeded_categories(transactional_db):
    """Transactional tests flush the tables between tests, the seeded categories included."""
    from regulars.merchants.categories import load_category_tree
    from regulars.merchants.models import Category

    load_category_tree(Category)


def make_person(login: str, name: str = "", *, verified: bool = True):
    """A person who signed up; `verified`: they proved their phone with a texted code."""
    person = sign_up(login=login, password=PASSWORD, display_name=name)
    if verified and person.phone:
        person.phone_verified_at = clock.now()
        person.save(update_fields=["phone_verified_at"])
    return person


def make_merchant(owner_login: str, name: str = "洁丽洗衣", category: str = "dry-cleaning"):
    owner = make_person(owner_login, "老板")
    merchant = services.register_merchant(user=owner, name=name, category=category)
    return StaffContext(user=owner, merchant=merchant, role=Role.OWNER)


def make_store(
    actor, *, name="洁丽洗衣（南京东路店）", category="dry-cleaning", at=PEOPLE_SQUARE, **extra
):
    data = services.StoreInput(
        name=name,
        category=category,
        address=extra.pop("address", "上海市黄浦区南京东路100号"),
        lat=at[0],
        lng=at[1],
        district=extra.pop("district", "黄浦区"),
        **extra,
    )
    return services.create_store(actor=actor, data=data)


def open_all_week(actor, store, opens=dt.time(8), closes=dt.time(22)):
    services.set_opening_hours(
        actor=actor,
        store_id=store.pk,
        ranges=[services.HoursRange(day, opens, closes) for day in range(7)],
    )


def image_upload(fmt="PNG", size=(800, 600), name="photo.png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(buffer, fmt)
    content_type = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}[fmt]
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=content_type)


class Outbox:
    """The texts the product sent while a test ran."""

    def __init__(self):
        self.sent: list[tuple[str, str]] = []

    def send(self, *, to: str, text: str, message_id: str, kind: str, params=None) -> None:
        self.sent.append((to, text))

    def code_for(self, phone_e164: str) -> str:
        import re

        for to, text in reversed(self.sent):
            if to == phone_e164 and (found := re.search(r"\b\d{6}\b", text)):
                return found.group()
        raise AssertionError(f"no code was texted to {phone_e164}: {self.sent}")


@pytest.fixture
def texts():
    """Catches every SMS (codes included) instead of the configured provider."""
    from regulars.accounts import services as account_services

    outbox = Outbox()
    account_services.register_text_sender(outbox.send)
    yield outbox
    account_services._text_senders.remove(outbox.send)


def api_sign_up(client, texts, login: str, password: str = PASSWORD, **extra):
    """Sign up through the API as a new user does: ask for a code, read it, sign up with it."""
    import json

    from regulars.core.phones import normalize_phone

    address = extra.pop("REMOTE_ADDR", "127.0.0.1")
    code = ""
    if "@" not in login:
        client.post(
            "/api/v1/auth/phone-codes",
            json.dumps({"phone": login, "purpose": "sign_up"}),
            content_type="application/json",
            REMOTE_ADDR=address,
        )
        code = texts.code_for(normalize_phone(login))
    return client.post(
        "/api/v1/auth/signup",
        json.dumps({"login": login, "password": password, "code": code, **extra}),
        content_type="application/json",
        REMOTE_ADDR=address,
    )


@pytest.fixture
def owner_a(db):
    return make_merchant("13900000001", name="洁丽洗衣")


@pytest.fixture
def owner_b(db):
    return make_merchant("13900000002", name="鑫安理发", category="barber")


@pytest.fixture
def store_a(owner_a):
    store = make_store(owner_a)
    open_all_week(owner_a, store)
    return store


@pytest.fixture
def api_token():
    def _token(user):
        return {"HTTP_AUTHORIZATION": f"Bearer {create_api_token(user=user)}"}

    return _token


@pytest.fixture
def noon_monday():
    return timezone.make_aware(dt.datetime(2026, 11, 23, 12, 0))


def scatter_stores(actor, points, category_id=None):
    """Bulk-insert stores at (lat, lng) or (lat, lng, category slug) points, bypassing services."""
    from regulars.core import geo
    from regulars.merchants.models import Category, Store

    slugs = {c.slug: c.pk for c in Category.objects.all()}
    rows = []
    for i, point in enumerate(points):
        lat, lng = point[0], point[1]
        category = (
            slugs[point[2]] if len(point) > 2 else (category_id or actor.merchant.category_id)
        )
        rows.append(
            Store(
                merchant=actor.merchant,
                name=f"店{i}",
                category_id=category,
                address="x",
                lat=lat,
                lng=lng,
                geocell=geo.FINE.cell(lat, lng),
                geocell_coarse=geo.COARSE.cell(lat, lng),
            )
        )
    return Store.objects.bulk_create(rows)


# ---- a bookable salon, used by the orders and reviews tests ----

MONDAY_9AM = timezone.make_aware(dt.datetime(2026, 11, 30, 9, 0))
SUNDAY_NOON = timezone.make_aware(dt.datetime(2026, 11, 29, 12, 0))


@pytest.fixture
def salon(db):
    """A salon open 09:00–21:00 with a bookable 60-minute haircut (2 chairs) and a buyable wash."""
    owner = make_merchant("13900000051", name="鑫安美发", category="hair-salon")
    store = make_store(owner, name="鑫安美发（南京东路店）", category="hair-salon")
    open_all_week(owner, store, opens=dt.time(9), closes=dt.time(21))
    haircut = services.create_item(
        actor=owner,
        store_id=store.pk,
        data=services.ItemInput(
            name="洗剪吹",
            price="68",
            duration_minutes=60,
            bookable=True,
            buyable=True,
            slot_capacity=2,
        ),
    )
    wash = services.create_item(
        actor=owner,
        store_id=store.pk,
        data=services.ItemInput(name="精洗打蜡", price="128.50", buyable=True),
    )
    return owner, store, haircut, wash


@pytest.fixture
def stylist(salon):
    """The salon's stylist 阿杰, who cuts hair (not published for booking, no hours set)."""
    from regulars.team.models import TeamMember

    owner, store, haircut, _wash = salon
    person = TeamMember.objects.create(
        merchant=owner.merchant, store=store, name="阿杰", title="发型师", bookable=False
    )
    person.items.add(haircut)
    return person


@pytest.fixture
def consumer(db):
    return make_person("13800000061", "小李")
