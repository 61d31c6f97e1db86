"""Writes for the customer directory and what merchants do with their customers, one module per
concern (directory, importing, segments, value, account managers, the risk list, outreach, the
service desk, knowledge, commitments, surveys, customer events, corrective actions,
maintenance). Callers import this package; the names below are its interface.

Rows appear by themselves (`receivers.py`, on the events of other apps): an order used, a card
purchase, a card, a coupon or a review makes the person a customer of that merchant, and visits
and spend follow. `rebuild_directory` recomputes everything from the facts (orders, card purchases, cards,
coupons, reviews) — for merchants who were selling before the directory existed, and as the
repair tool should the running figures ever drift.
"""

from .account_managers import (
    complete_task,
    create_task,
    hand_over_and_deactivate,
    plan_follow_up_call,
    reassign_customers,
    refuse_orphans,
    remind_due_tasks,
)
from .commitments import (
    promise,
    remind_commitments,
    settle_commitment,
)
from .corrective_actions import (
    finish_corrective_action,
    plan_corrective_action,
)
from .customer_events import (
    answer_invitation,
    create_event,
    record_attendance,
)
from .directory import (
    customer_for,
    patch_customer,
    rebuild_directory,
    record_visit,
    update_customer,
)
from .importing import (
    confirm_import,
    resume_stalled_imports,
    run_import,
    set_mapping,
    start_import,
    undo_import,
)
from .knowledge import (
    delete_article,
    save_article,
)
from .maintenance import (
    close_plan,
    decide_plan,
    evaluate_relationship,
    indicators_of,
    propose_plan,
    save_desk_settings,
    save_indicators,
)
from .outreach import (
    save_greetings,
    send_greetings,
    send_message,
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
from .service_desk import (
    STAGE_HOURS,
    add_business_hours,
    advance_ticket,
    escalate_overdue_tickets,
    open_ticket,
    take_ticket,
)
from .surveys import (
    answer_survey,
    invite_to_survey,
    survey_items,
)
from .value import (
    save_directory_settings,
    save_value_levels,
    score_customers,
)

__all__ = [
    "STAGE_HOURS",
    "add_business_hours",
    "advance_ticket",
    "answer_invitation",
    "answer_survey",
    "clear_flag",
    "close_plan",
    "complete_task",
    "confirm_import",
    "create_event",
    "create_task",
    "customer_for",
    "decide_plan",
    "delete_article",
    "delete_segment",
    "escalate_overdue_tickets",
    "evaluate_relationship",
    "finish_corrective_action",
    "flag_customer",
    "flagged_people",
    "hand_over_and_deactivate",
    "indicators_of",
    "invite_to_survey",
    "open_ticket",
    "patch_customer",
    "plan_corrective_action",
    "plan_follow_up_call",
    "promise",
    "propose_plan",
    "reassign_customers",
    "rebuild_directory",
    "record_attendance",
    "record_visit",
    "refuse_orphans",
    "remind_commitments",
    "remind_due_tasks",
    "resume_stalled_imports",
    "run_import",
    "save_article",
    "save_desk_settings",
    "save_directory_settings",
    "save_greetings",
    "save_indicators",
    "save_segment",
    "save_value_levels",
    "score_customers",
    "send_greetings",
    "send_message",
    "set_mapping",
    "settle_commitment",
    "start_import",
    "survey_items",
    "take_ticket",
    "undo_import",
    "update_customer",
]
