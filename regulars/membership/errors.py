"""Why member cards, points and stored value refuse a request: one code per reason, stable for API
clients."""

from enum import StrEnum


class Problem(StrEnum):
    """The codes of the errors member cards, points and stored value answer with (`{"errors":
    [{"field", "code", "message"}]}`): a client branches on the code and the field, and shows
    the message."""

    ABOVE_CAP = "above_cap"
    ALREADY_DONE = "already_done"  # this was done before and can be done only once
    ALREADY_MEMBER = "already_member"
    ALREADY_VOIDED = "already_voided"
    AT_THE_SHOP = "at_the_shop"
    BAD_FORMAT = "bad_format"  # a value is not in the expected form
    BAD_TIME = "bad_time"  # a date or time is in the past, too far ahead, or out of order
    BELOW_MINIMUM = "below_minimum"
    CHOICE_REQUIRED = "choice_required"  # one of the offered choices must be picked
    DUPLICATE = "duplicate"  # two entries that must differ are the same
    INACTIVE_CARD = "inactive_card"
    INSUFFICIENT_BALANCE = "insufficient_balance"
    INSUFFICIENT_POINTS = "insufficient_points"
    INSUFFICIENT_PRINCIPAL = "insufficient_principal"
    LOCKED = "locked"
    NO_CALLBACK = "no_callback"
    NO_CARD = "no_card"
    NO_PASSWORD = "no_password"
    NO_PROGRAM = "no_program"
    NOT_IN_ORDER = "not_in_order"
    OUT_OF_RANGE = "out_of_range"  # a number, count or amount is outside its bounds
    REQUIRED = "required"  # a value the request needs is missing
    TOO_LONG = "too_long"  # a text is longer than allowed
    TOO_MANY_POINTS = "too_many_points"
    UNKNOWN_CARD = "unknown_card"
    # the id or value chosen is not one of the caller's (or does not exist)
    UNKNOWN_CHOICE = "unknown_choice"
    UNKNOWN_ITEM = "unknown_item"
    UNKNOWN_REWARD = "unknown_reward"
    WEAK_PASSWORD = "weak_password"
    WRONG_PASSWORD = "wrong_password"
    WRONG_STATE = "wrong_state"  # the object is not in a state that allows this
