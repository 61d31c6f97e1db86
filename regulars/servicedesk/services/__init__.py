"""Writes for the service desk: complaints through their stages, the knowledge base, surveys
after a visit, corrective actions and the desk's settings. Callers import this package; the
names below are its interface."""

from .corrective_actions import (
    finish_corrective_action,
    plan_corrective_action,
)
from .desk import save_desk_settings
from .knowledge import (
    delete_article,
    save_article,
)
from .surveys import (
    answer_survey,
    invite_to_survey,
    survey_items,
)
from .tickets import (
    STAGE_HOURS,
    add_business_hours,
    advance_ticket,
    call_result,
    escalate_overdue_tickets,
    open_ticket,
    record_follow_up_call,
    take_ticket,
    ticket_for_update,
)

__all__ = [
    "STAGE_HOURS",
    "add_business_hours",
    "advance_ticket",
    "answer_survey",
    "call_result",
    "delete_article",
    "escalate_overdue_tickets",
    "finish_corrective_action",
    "invite_to_survey",
    "open_ticket",
    "plan_corrective_action",
    "record_follow_up_call",
    "save_article",
    "save_desk_settings",
    "survey_items",
    "take_ticket",
    "ticket_for_update",
]
