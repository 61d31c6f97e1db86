"""Writes at the counter: ringing up a bill, closing the day, the till's settings (`bills`), and
refunding a bill (`refunds`). Callers import this package; the names below are its interface."""

from .bills import (
    MAX_LINES,
    MAX_QUANTITY,
    LineIn,
    TenderIn,
    close_day,
    in_proportion,
    outside_methods,
    ring_up,
    save_till_settings,
)
from .refunds import RefundLineIn, refund_bill

__all__ = [
    "MAX_LINES",
    "MAX_QUANTITY",
    "LineIn",
    "RefundLineIn",
    "TenderIn",
    "close_day",
    "in_proportion",
    "outside_methods",
    "refund_bill",
    "ring_up",
    "save_till_settings",
]
