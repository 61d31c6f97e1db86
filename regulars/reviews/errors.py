"""Why reviews, replies and reports refuse a request: one code per reason, stable for API clients."""

from enum import StrEnum


class Problem(StrEnum):
    """The codes of the errors reviews, replies and reports answer with (`{"errors": [{"field",
    "code", "message"}]}`): a client branches on the code and the field, and shows the message."""

    ALREADY_REPORTED = "already_reported"
    ALREADY_REVIEWED = "already_reviewed"
    FORBIDDEN = "forbidden"
    OUT_OF_RANGE = "out_of_range"  # a number, count or amount is outside its bounds
    RATE_LIMITED = "rate_limited"
    REQUIRED = "required"  # a value the request needs is missing
    TOO_LONG = "too_long"  # a text is longer than allowed
    # the id or value chosen is not one of the caller's (or does not exist)
    UNKNOWN_CHOICE = "unknown_choice"
    WRONG_STATE = "wrong_state"  # the object is not in a state that allows this
