"""Why the customer directory, imports, segments and value levels refuse a request: one code per
reason, stable for API clients."""

from enum import StrEnum


class Problem(StrEnum):
    """The codes of the errors the customer directory, imports, segments and value levels answer with
    (`{"errors": [{"field", "code", "message"}]}`): a client branches on the code and the
    field, and shows the message."""

    BAD_FORMAT = "bad_format"  # a value is not in the expected form
    BAD_TIME = "bad_time"  # a date or time is in the past, too far ahead, or out of order
    CHOICE_REQUIRED = "choice_required"  # one of the offered choices must be picked
    DUPLICATE = "duplicate"  # two entries that must differ are the same
    EMPTY_FILE = "empty_file"
    INVALID_INPUT = "invalid_input"
    NOT_ALLOWED = "not_allowed"  # the rules of the shop or the product do not allow this
    OUT_OF_RANGE = "out_of_range"  # a number, count or amount is outside its bounds
    TOO_LONG = "too_long"  # a text is longer than allowed
    # the id or value chosen is not one of the caller's (or does not exist)
    UNKNOWN_CHOICE = "unknown_choice"
    WRONG_STATE = "wrong_state"  # the object is not in a state that allows this
