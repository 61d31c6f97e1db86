"""Why follows, places and push subscriptions refuse a request: one code per reason, stable for API
clients."""

from enum import StrEnum


class Problem(StrEnum):
    """The codes of the errors follows, places and push subscriptions answer with (`{"errors":
    [{"field", "code", "message"}]}`): a client branches on the code and the field, and shows
    the message."""

    BAD_FORMAT = "bad_format"  # a value is not in the expected form
    WECHAT_REFUSED = "wechat_refused"  # WeChat did not confirm who the person is
    BAD_RECEIPT = "bad_receipt"  # an SMS provider's delivery report could not be read
    CHOICE_REQUIRED = "choice_required"  # one of the offered choices must be picked
    OUT_OF_RANGE = "out_of_range"  # a number, count or amount is outside its bounds
    REQUIRED = "required"  # a value the request needs is missing
    # the id or value chosen is not one of the caller's (or does not exist)
    UNKNOWN_CHOICE = "unknown_choice"
