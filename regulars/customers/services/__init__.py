"""Writes for the customer directory, one module per concern (the directory itself, importing,
segments, value levels and scores, the risk list). Callers import this package; the names below
are its interface.

Rows appear by themselves (`receivers.py`, on the events of other apps): an order used, a card
purchase, a card, a coupon or a review makes the person a customer of that merchant, and visits
and spend follow. `rebuild_directory` recomputes everything from the facts (orders, card
purchases, cards, coupons, reviews) — for merchants who were selling before the directory
existed, and as the repair tool should the running figures ever drift.
"""

from .directory import (
    customer_for,
    customer_of,
    patch_customer,
    rebuild_directory,
    record_visit,
    reward_referral,
    update_customer,
)
from .gifts import give as give_welcome_gift
from .gifts import save_gift
from .importing import (
    confirm_import,
    resume_stalled_imports,
    run_import,
    set_mapping,
    start_import,
    undo_import,
)
from .risk_list import (
    clear_flag,
    flag_customer,
    flagged_people,
)
from .segments import (
    delete_segment,
    save_segment,
)
from .value import (
    check_issued_campaign,
    save_directory_settings,
    save_value_levels,
    save_visit_follow_ups,
    score_customers,
)

__all__ = [
    "give_welcome_gift",
    "save_gift",
    "check_issued_campaign",
    "clear_flag",
    "confirm_import",
    "customer_for",
    "customer_of",
    "delete_segment",
    "flag_customer",
    "flagged_people",
    "patch_customer",
    "rebuild_directory",
    "record_visit",
    "resume_stalled_imports",
    "reward_referral",
    "run_import",
    "save_directory_settings",
    "save_segment",
    "save_value_levels",
    "save_visit_follow_ups",
    "score_customers",
    "set_mapping",
    "start_import",
    "undo_import",
    "update_customer",
]
