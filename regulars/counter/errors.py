"""Why the counter refuses a bill: one code per reason, stable for API clients."""

from enum import StrEnum


class Problem(StrEnum):
    """The codes of the errors the counter answers with (`{"errors": [{"field", "code",
    "message"}]}`); a refused coupon answers promotions' `Refusal`, a card's refusal the member
    cards' `Problem`."""

    ALREADY_CLOSED = "already_closed"  # the day was closed before
    ALREADY_REFUNDED = "already_refunded"  # the bill or line has been given back already
    BAD_FORMAT = "bad_format"  # a value is not in the expected form
    BAD_TIME = "bad_time"  # a date or time is in the past, too far ahead, or out of order
    BUSY = "busy"  # no free bill number this moment: try again
    CHOICE_REQUIRED = "choice_required"  # one of the offered choices must be picked
    DAY_CLOSED = "day_closed"  # the store's day is closed: no more bills
    NO_CARD = "no_card"  # the balance or points need the member's card
    NOT_CLOSED = "not_closed"  # a correction names a day that was not closed
    OUT_OF_RANGE = "out_of_range"  # a number, count or amount is outside its bounds
    REQUIRED = "required"  # a value the request needs is missing
    TENDERS_DO_NOT_ADD_UP = "tenders_do_not_add_up"  # what is paid differs from the bill
    TOO_LONG = "too_long"  # a text is longer than allowed
    # the id or value chosen is not one of the caller's (or does not exist)
    UNKNOWN_CHOICE = "unknown_choice"
    WRONG_STATE = "wrong_state"  # the object is not in a state that allows this
