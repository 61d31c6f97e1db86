"""Why nearby search refuse a request: one code per reason, stable for API clients."""

from enum import StrEnum


class Problem(StrEnum):
    """The codes of the errors nearby search answer with (`{"errors": [{"field", "code",
    "message"}]}`): a client branches on the code and the field, and shows the message."""

    OUT_OF_RANGE = "out_of_range"  # a number, count or amount is outside its bounds
    TOO_LONG = "too_long"  # a text is longer than allowed
    # the id or value chosen is not one of the caller's (or does not exist)
    UNKNOWN_CHOICE = "unknown_choice"
