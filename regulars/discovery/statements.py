"""Statements of discovery written in SQL by hand, each with the reason the ORM did not serve.

(The grid index's own statements live in spatial.py and postgis.py.)
"""

import datetime as dt

from django.db import connection
from django.utils import timezone

from regulars.merchants.models import Store

# A result page needs its stores, whether each is open and each one's cover (the first storefront
# photo, else the first store photo). Through the queryset API that was three statements, one of
# them (Exists, Subquery, Case) built in 3.5 ms of Python for a query the database answers in
# 0.15 ms; a cold nearby page is mostly that kind of overhead. One plain statement, the same on
# SQLite and PostgreSQL, read through Store.objects.raw (so the stores are Store objects with
# `open_now` and `cover_thumbnail` beside their fields).
_PAGE_ROWS = """
SELECT s.*,
       EXISTS (SELECT 1 FROM merchants_openinghours h
               WHERE h.store_id = s.id AND h.weekday = %s AND h.opens <= %s AND h.closes > %s)
       AND NOT EXISTS (SELECT 1 FROM merchants_holidayclosure c
                       WHERE c.store_id = s.id AND c.start_date <= %s AND c.end_date >= %s)
       AS open_now,
       (SELECT p.thumbnail FROM merchants_photo p
        WHERE p.store_id = s.id AND p.item_id IS NULL
        ORDER BY CASE WHEN p.kind = 'storefront' THEN 0 ELSE 1 END, p.id LIMIT 1) AS cover_thumbnail
FROM merchants_store s
WHERE s.id IN ({ids})
"""


def stores_open_now_and_cover(store_ids: list[int], moment: dt.datetime) -> dict[int, Store]:
    """{store id: store with `open_now` (at `moment`, hours and holiday closures read as
    merchants.selectors.is_open_at reads them) and `cover_thumbnail` (a file name, or None)}."""
    if not store_ids:
        return {}
    local = timezone.localtime(moment)
    now = connection.ops.adapt_timefield_value(local.time())
    today = connection.ops.adapt_datefield_value(local.date())
    sql = _PAGE_ROWS.format(ids=", ".join(["%s"] * len(store_ids)))
    stores = Store.objects.raw(sql, [local.weekday(), now, now, today, today, *store_ids])
    return {store.pk: store for store in stores}
