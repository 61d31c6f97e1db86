"""Statements of discovery written in SQL by hand, each with the reason the ORM did not serve.

(The grid index's own statements live in spatial.py and postgis.py.)
"""

import datetime as dt

from django.db import connection
from django.utils import timezone

# The rows of a result page need only whether each store is open and its cover: the ORM built
# this statement (Exists, Subquery, Case) in 3.5 ms of Python for a query the database answers in
# 0.15 ms, and a cold nearby page is mostly that kind of overhead. Plain SQL, the same on SQLite
# and PostgreSQL.
_OPEN_NOW_AND_COVER = """
SELECT s.id,
       EXISTS (SELECT 1 FROM merchants_openinghours h
               WHERE h.store_id = s.id AND h.weekday = %s AND h.opens <= %s AND h.closes > %s)
       AND NOT EXISTS (SELECT 1 FROM merchants_holidayclosure c
                       WHERE c.store_id = s.id AND c.start_date <= %s AND c.end_date >= %s),
       (SELECT p.thumbnail FROM merchants_photo p
        WHERE p.store_id = s.id AND p.item_id IS NULL
        ORDER BY CASE WHEN p.kind = 'storefront' THEN 0 ELSE 1 END, p.id LIMIT 1)
FROM merchants_store s
WHERE s.id IN ({ids})
"""


def open_now_and_cover(store_ids: list[int], moment: dt.datetime) -> dict[int, tuple[bool, str]]:
    """{store id: (open at `moment`, cover thumbnail name or "")} (opening hours and holiday
    closures read as merchants.selectors.is_open_at reads them)."""
    if not store_ids:
        return {}
    local = timezone.localtime(moment)
    now = connection.ops.adapt_timefield_value(local.time())
    today = connection.ops.adapt_datefield_value(local.date())
    sql = _OPEN_NOW_AND_COVER.format(ids=", ".join(["%s"] * len(store_ids)))
    with connection.cursor() as cursor:
        cursor.execute(sql, [local.weekday(), now, now, today, today, *store_ids])
        return {row[0]: (bool(row[1]), row[2] or "") for row in cursor.fetchall()}
