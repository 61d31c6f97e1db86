"""Date and time inputs carry ISO values in every language: the browser shows a localized value
(1990/12/05) as an empty field, and saving the page then clears it."""

import datetime as dt
import re
from pathlib import Path

import pytest

from regulars.customers.models import Customer
from tests.customers.test_directory import buy_and_use
from tests.promotions.conftest import make_campaign

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
DATE_INPUT = re.compile(r'<input type="(date|datetime-local)"[^>]*>')
VALUE = re.compile(r'value="([^"]*)"')


def _values(html: str) -> list[tuple[str, str]]:
    found = []
    for match in DATE_INPUT.finditer(html):
        value = VALUE.search(match.group())
        found.append((match.group(1), value.group(1) if value else ""))
    return found


def _iso(kind: str, value: str) -> bool:
    pattern = r"\d{4}-\d{2}-\d{2}" if kind == "date" else r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}"
    return re.fullmatch(pattern, value) is not None


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_customer_profile_saved_in_either_language_keeps_the_birthday(
    client, salon, consumer, language
):
    owner = salon[0]
    buy_and_use(consumer, salon, "iso1")
    customer = Customer.objects.get(consumer=consumer)
    Customer.objects.filter(pk=customer.pk).update(birthday=dt.date(1990, 12, 5))
    client.force_login(owner.user)
    client.cookies["django_language"] = language
    page = client.get(f"/console/customers/{customer.pk}/").content.decode()
    assert ("date", "1990-12-05") in _values(page)
    # The browser posts back what the field holds: the ISO value.
    form = {"name": customer.name or "小李", "birthday": "1990-12-05", "notes": "", "tags": ""}
    client.post(f"/console/customers/{customer.pk}/", form)
    customer.refresh_from_db()
    assert customer.birthday == dt.date(1990, 12, 5)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_campaign_form_shows_its_validity_as_iso_in_either_language(client, salon, language):
    owner = salon[0]
    campaign = make_campaign(owner, name="满100减20", amount="20", threshold="100")
    client.force_login(owner.user)
    client.cookies["django_language"] = language
    for url in ("/console/campaigns/new/", f"/console/campaigns/{campaign.pk}/edit/"):
        values = _values(client.get(url).content.decode())
        assert values and all(_iso(kind, value) for kind, value in values), (url, values)


def test_no_form_declares_a_date_widget_of_its_own():
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "regulars").rglob("*.py")
        if re.search(r"forms\.Date(Time)?Input\(", path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "use regulars.core.forms.IsoDateInput / IsoDateTimeInput"
