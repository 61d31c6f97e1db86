"""The workbench in the console API: what the shop has to do today (the parts the role sees)."""

import datetime as dt
from decimal import Decimal

from ninja import Router, Schema
from pydantic import AwareDatetime

from regulars.accounts.auth import AUTH
from regulars.merchants.web import actor_for

from . import selectors

console = Router(tags=["console: workbench"], auth=AUTH)


class TakingsOut(Schema):
    today: Decimal
    same_day_last_week: Decimal
    bills: int
    change_percent: int | None


class RowOut(Schema):
    id: int
    title: str
    when: AwareDatetime | dt.date | None = None


class PartOut(Schema):
    count: int
    rows: list[RowOut]


class WorkbenchOut(Schema):
    today: dt.date
    takings: TakingsOut | None = None
    bookings_to_confirm: PartOut | None = None
    confirmed_bookings_today: int | None = None
    orders_to_use: PartOut | None = None
    complaints_due: PartOut | None = None
    tasks_due: PartOut | None = None
    birthdays: PartOut | None = None
    slipping_away: PartOut | None = None


def _part(part, title, when) -> dict | None:
    if part is None:
        return None
    return {
        "count": part.count,
        "rows": [{"id": row.pk, "title": title(row), "when": when(row)} for row in part.rows],
    }


@console.get("/workbench", response=WorkbenchOut)
def workbench(request):
    """Today at the shop: takings against the same weekday last week, bookings to confirm,
    orders to use, complaints and tasks due, birthdays this week, customers slipping away. A
    part the role may not see is null."""
    found = selectors.today(actor_for(request))
    return {
        "today": found["today"],
        "takings": found.get("takings"),
        "bookings_to_confirm": _part(
            found.get("bookings"), lambda r: r.item.name, lambda r: r.starts_at
        ),
        "confirmed_bookings_today": found.get("bookings_today"),
        "orders_to_use": _part(
            found.get("orders"), lambda o: f"¥{o.total} {o.consumer}", lambda o: o.expires_at
        ),
        "complaints_due": _part(
            found.get("complaints"), lambda t: t.subject, lambda t: t.stage_due_at
        ),
        "tasks_due": _part(found.get("tasks"), lambda t: t.title, lambda t: t.due_at),
        "birthdays": _part(found.get("birthdays"), lambda c: c.name, lambda c: c.next_birthday),
        "slipping_away": _part(found.get("churn"), lambda c: c.name, lambda c: c.last_seen_at),
    }
