"""Statements of the relationships app written in SQL by hand, each with the reason the ORM did
not serve."""

import datetime as dt

from django.db import connection

# A customer file shows the 30 newest of everything the customer did with the merchant, drawn
# from fifteen tables. Read through the queryset API that was fifteen statements, each built in
# about 1 ms of Python (most of the page's time) to return rows the page then mostly threw away.
# One plain UNION ALL finds which (source, id) pairs make the page, the same on SQLite and
# PostgreSQL; only the sources that appear in it are then read, by primary key, through the ORM.
# Every branch names the merchant or a customer of the merchant (the caller's tenancy), and its
# time column is the one the timeline shows for that source.
_TIMELINE_BRANCHES = {
    "level": (
        "crm_levelchange t",
        "t.at",
        "t.merchant_id = %(merchant)s AND t.customer_id = %(customer)s",
    ),
    "task": (
        "crm_task t",
        "t.done_at",
        "t.merchant_id = %(merchant)s AND t.customer_id = %(customer)s AND t.status = 'done'",
    ),
    "evaluation": (
        "crm_evaluation t",
        "t.at",
        "t.merchant_id = %(merchant)s AND t.customer_id = %(customer)s",
    ),
    "plan": (
        "crm_maintenanceplan t",
        "COALESCE(t.closed_at, t.decided_at, t.created_at)",
        "t.merchant_id = %(merchant)s AND t.customer_id = %(customer)s",
    ),
    "event": (
        "crm_invitation t JOIN crm_customerevent e ON e.id = t.event_id",
        "e.starts_at",
        "e.merchant_id = %(merchant)s AND t.customer_id = %(customer)s",
    ),
    "commitment": (
        "crm_commitment t",
        "COALESCE(t.settled_at, t.created_at)",
        "t.merchant_id = %(merchant)s AND t.customer_id = %(customer)s",
    ),
    "ticket": (
        "crm_ticket t",
        "t.opened_at",
        "t.merchant_id = %(merchant)s AND t.customer_id = %(customer)s",
    ),
    "owner": (
        "crm_ownershipchange t",
        "t.at",
        "t.merchant_id = %(merchant)s AND t.customer_id = %(customer)s",
    ),
}
_CONSUMER_BRANCHES = {
    "order": (
        "orders_order t",
        "t.created_at",
        "t.merchant_id = %(merchant)s AND t.consumer_id = %(consumer)s",
    ),
    "reservation": (
        "orders_reservation t",
        "t.created_at",
        "t.merchant_id = %(merchant)s AND t.consumer_id = %(consumer)s",
    ),
    "visit": (
        "membership_purchase t JOIN membership_card c ON c.id = t.card_id",
        "t.created_at",
        "t.merchant_id = %(merchant)s AND c.consumer_id = %(consumer)s AND t.order_id IS NULL",
    ),
    "coupon": (
        "promotions_coupon t",
        "t.claimed_at",
        "t.merchant_id = %(merchant)s AND t.consumer_id = %(consumer)s",
    ),
    "redemption": (
        "promotions_redemption t",
        "t.created_at",
        "t.merchant_id = %(merchant)s AND t.consumer_id = %(consumer)s",
    ),
    "message": (
        "notifications_inboxmessage t",
        "t.created_at",
        "t.merchant_id = %(merchant)s AND t.user_id = %(consumer)s",
    ),
    "review": (
        "reviews_review t",
        "t.created_at",
        "t.merchant_id = %(merchant)s AND t.author_id = %(consumer)s",
    ),
}


def _timeline_sql(with_consumer: bool, with_before: bool) -> str:
    branches = {**_TIMELINE_BRANCHES, **(_CONSUMER_BRANCHES if with_consumer else {})}
    selects = []
    for source, (tables, at, where) in branches.items():
        cursor = f" AND {at} < %(before)s" if with_before else ""
        selects.append(
            f"SELECT '{source}' AS source, t.id AS id, {at} AS at FROM {tables} "
            f"WHERE {where} AND {at} IS NOT NULL{cursor}"
        )
    return (
        "SELECT source, id FROM (\n"
        + "\nUNION ALL\n".join(selects)
        + "\n) timeline ORDER BY at DESC, id DESC LIMIT %(limit)s"
    )


_TIMELINE_SQL = {
    (consumer, before): _timeline_sql(consumer, before)
    for consumer in (False, True)
    for before in (False, True)
}


def timeline_page(
    *,
    merchant_id: int,
    customer_id: int,
    consumer_id: int | None,
    limit: int,
    before: dt.datetime | None,
) -> list[tuple[str, int]]:
    """The (source, id) pairs of a customer's `limit` newest timeline entries older than
    `before`, newest first (ties broken by id, newest first)."""
    params = {"merchant": merchant_id, "customer": customer_id, "limit": limit}
    if consumer_id is not None:
        params["consumer"] = consumer_id
    if before is not None:
        params["before"] = connection.ops.adapt_datetimefield_value(before)
    sql = _TIMELINE_SQL[(consumer_id is not None, before is not None)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(source, row_id) for source, row_id in cursor.fetchall()]
