import re

import pytest
from playwright.sync_api import expect

from regulars.merchants import services
from regulars.merchants.models import CatalogItem, Store
from tests.browser.conftest import shoot
from tests.conftest import PASSWORD, make_merchant, make_store, open_all_week
from tests.discovery.test_nearby import _offset

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HERE = (31.2317, 121.4846)


def test_a_consumer_finds_the_nearest_laundry_and_opens_its_page(phone):
    owner = make_merchant("13900000021", name="街坊")
    shops = [
        ("远一点干洗", "dry-cleaning", 900),
        ("最近的洗衣房", "self-service-laundry", 250),
        ("隔壁面馆", "noodles", 80),
        ("中间干洗店", "dry-cleaning", 600),
    ]
    for name, category, north in shops:
        store = make_store(owner, name=name, category=category, at=_offset(HERE, north, 0))
        open_all_week(owner, store)
    nearest = Store.objects.get(name="最近的洗衣房")
    services.create_item(
        actor=owner,
        store_id=nearest.pk,
        data=services.ItemInput(name="洗烘套餐", price="18", buyable=True),
    )

    phone.goto("/")
    phone.get_by_role("button", name="使用我的位置").click()
    phone.wait_for_url(re.compile(r"lat=31\.23"))
    phone.get_by_role("link", name="洗衣", exact=True).click()
    phone.wait_for_url(re.compile(r"category=laundry"))
    results = phone.locator(".result .name")
    expect(results).to_have_text(["最近的洗衣房", "中间干洗店", "远一点干洗"])
    expect(phone.locator(".result .distance").first).to_have_text("250 米")
    shoot(phone, "consumer-nearby-laundry")

    phone.get_by_role("tab", name="地图").click()
    expect(phone.locator(".leaflet-marker-icon")).to_have_count(3)

    phone.get_by_role("tab", name="列表").click()
    results.first.click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("最近的洗衣房")
    expect(phone.locator(".item")).to_contain_text("洗烘套餐")
    expect(phone.locator(".item .price")).to_have_text("¥18.00")
    shoot(phone, "consumer-store-page")


def test_a_merchant_owner_creates_a_store_with_a_map_pin_and_adds_a_priced_service(desktop, texts):
    desktop.goto("/console/join/")
    desktop.get_by_label("Business name").fill("Sparkle Car Wash")
    desktop.get_by_label("Main category").select_option("car-wash")
    desktop.get_by_label("Mobile number or email").fill("13911112222")
    desktop.get_by_role("button", name="Text me a code").click()
    expect(desktop.locator(".messages")).to_contain_text("139****2222")
    expect(desktop.get_by_label("Business name")).to_have_value("Sparkle Car Wash")
    desktop.get_by_label("Code from the text message").fill(texts.code_for("+8613911112222"))
    desktop.get_by_label("Password").fill(PASSWORD)
    desktop.get_by_role("button", name="Create merchant account").click()

    desktop.wait_for_url("**/console/stores/new/")
    desktop.get_by_label("Store name").fill("Sparkle Car Wash (Jing'an)")
    desktop.get_by_label("Category").select_option("car-wash")
    desktop.get_by_label("Address").fill("上海市静安区江宁路100号")
    # Saving without a position is refused; then drop the pin by clicking the map.
    desktop.get_by_role("button", name="Save").click()
    expect(desktop.locator(".form-error")).to_contain_text("Set the position on the map")
    desktop.get_by_role("button", name="Use my location").click()
    expect(desktop.locator("[data-pin-readout]")).to_contain_text("31.229")
    desktop.locator("[data-pin-map]").click(position={"x": 500, "y": 150})
    pinned_lat = float(desktop.locator("input[name=lat]").input_value())
    assert pinned_lat != 31.229
    shoot(desktop, "merchant-store-pin")
    desktop.get_by_role("button", name="Save").click()

    desktop.wait_for_url(re.compile(r"/console/stores/\d+/hours/"))
    store = Store.objects.get(name="Sparkle Car Wash (Jing'an)")
    assert abs(store.lat - pinned_lat) < 1e-6
    desktop.locator("input[name=d0_0_opens]").fill("09:00")
    desktop.locator("input[name=d0_0_closes]").fill("08:00")
    desktop.get_by_role("button", name="Save hours").click()
    expect(desktop.locator(".error").first).to_contain_text("later than opening")
    desktop.locator("input[name=d0_0_closes]").fill("19:00")
    desktop.get_by_role("button", name="Copy Monday to every day").click()
    desktop.get_by_role("button", name="Save hours").click()
    expect(desktop.locator(".messages")).to_contain_text("Opening hours saved")
    assert store.hours.count() == 7

    desktop.get_by_role("link", name="Services and prices").first.click()
    desktop.get_by_role("link", name="Add a service").click()
    desktop.get_by_label("Name").fill("Standard wash (sedan)")
    desktop.get_by_label("Price (¥)", exact=True).fill("38")
    desktop.get_by_label("Duration (minutes)").fill("30")
    desktop.get_by_label("Can be booked online").check()
    desktop.get_by_role("button", name="Save").click()
    expect(desktop.locator("table.list")).to_contain_text("¥38.00")
    shoot(desktop, "merchant-catalogue")

    item = CatalogItem.objects.get(store=store)
    assert str(item.price) == "38.00" and item.bookable and item.duration_minutes == 30

    desktop.goto(f"/stores/{store.pk}/")
    expect(desktop.locator(".item")).to_contain_text("Standard wash (sedan)")
    expect(desktop.locator(".item .price")).to_have_text("¥38.00")


def test_the_language_switch_changes_every_label(phone):
    phone.goto("/")
    expect(phone.get_by_role("button", name="搜索")).to_be_visible()
    phone.get_by_role("button", name="English").click()
    expect(phone.get_by_role("button", name="Search")).to_be_visible()
    expect(phone.get_by_role("link", name="Laundry", exact=True)).to_be_visible()
    phone.get_by_role("button", name="中文").click()
    expect(phone.get_by_role("button", name="搜索")).to_be_visible()
