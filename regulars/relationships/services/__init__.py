"""Writes for looking after customers: account managers and their tasks, commitments, customer
events, relationship evaluations and maintenance plans. Callers import this package; the names
below are its interface."""

from .account_managers import (
    complete_task,
    create_task,
    hand_over_and_deactivate,
    plan_complaint_call,
    plan_follow_up_call,
    reassign_customers,
    refuse_orphans,
    remind_due_tasks,
    settle_complaint_calls,
)
from .commitments import (
    promise,
    remind_commitments,
    settle_commitment,
)
from .customer_events import (
    answer_invitation,
    create_event,
    record_attendance,
)
from .maintenance import (
    close_plan,
    decide_plan,
    evaluate_relationship,
    indicators_of,
    propose_plan,
    save_indicators,
)

__all__ = [
    "answer_invitation",
    "close_plan",
    "complete_task",
    "create_event",
    "create_task",
    "decide_plan",
    "evaluate_relationship",
    "hand_over_and_deactivate",
    "indicators_of",
    "plan_complaint_call",
    "plan_follow_up_call",
    "promise",
    "propose_plan",
    "reassign_customers",
    "record_attendance",
    "refuse_orphans",
    "remind_commitments",
    "remind_due_tasks",
    "save_indicators",
    "settle_commitment",
    "settle_complaint_calls",
]
