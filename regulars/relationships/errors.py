"""Why tasks, commitments, events and maintenance plans refuse a request: one code per reason,
stable for API clients."""

from enum import StrEnum


class Problem(StrEnum):
    """The codes of the errors tasks, commitments, events and maintenance plans answer with
    (`{"errors": [{"field", "code", "message"}]}`): a client branches on the code and the
    field, and shows the message."""

    BAD_TIME = "bad_time"  # a date or time is in the past, too far ahead, or out of order
    CHOICE_REQUIRED = "choice_required"  # one of the offered choices must be picked
    DUPLICATE = "duplicate"  # two entries that must differ are the same
    EMPTY_AUDIENCE = "empty_audience"
    HAS_CUSTOMERS = "has_customers"
    NOTHING_TO_DO = "nothing_to_do"
    OUT_OF_RANGE = "out_of_range"  # a number, count or amount is outside its bounds
    REQUIRED = "required"  # a value the request needs is missing
    TOO_LONG = "too_long"  # a text is longer than allowed
    # the id or value chosen is not one of the caller's (or does not exist)
    UNKNOWN_CHOICE = "unknown_choice"
    WRONG_STATE = "wrong_state"  # the object is not in a state that allows this
