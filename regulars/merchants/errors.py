"""Why stores, the catalogue and staff refuse a request: one code per reason, stable for API
clients."""

from enum import StrEnum


class Problem(StrEnum):
    """The codes of the errors stores, the catalogue and staff answer with (`{"errors": [{"field",
    "code", "message"}]}`): a client branches on the code and the field, and shows the message."""

    BAD_FORMAT = "bad_format"  # a value is not in the expected form
    BAD_TIME = "bad_time"  # a date or time is in the past, too far ahead, or out of order
    CHOICE_REQUIRED = "choice_required"  # one of the offered choices must be picked
    NOT_ALLOWED = "not_allowed"  # the rules of the shop or the product do not allow this
    NOT_YOURS = "not_yours"
    OUT_OF_RANGE = "out_of_range"  # a number, count or amount is outside its bounds
    OVERLAP = "overlap"
    REQUIRED = "required"  # a value the request needs is missing
    TOO_LONG = "too_long"  # a text is longer than allowed
    WRONG_STATE = "wrong_state"  # the object is not in a state that allows this
