"""Why bookings, orders, payments and consumption refuse a request: one code per reason, stable for
API clients."""

from enum import StrEnum


class Problem(StrEnum):
    """The codes of the errors bookings, orders, payments and consumption answer with (`{"errors":
    [{"field", "code", "message"}]}`): a client branches on the code and the field, and shows
    the message."""

    ALREADY_USED = "already_used"
    AMOUNT_MISMATCH = "amount_mismatch"
    BAD_CALLBACK = "bad_callback"
    BAD_CODE = "bad_code"
    BAD_SIGNATURE = "bad_signature"
    BAD_TIME = "bad_time"  # a date or time is in the past, too far ahead, or out of order
    CHOICE_REQUIRED = "choice_required"  # one of the offered choices must be picked
    DISCOVERY_ONLY = "discovery_only"
    NO_CALLBACK = "no_callback"
    NO_ONLINE_PAYMENT = "no_online_payment"
    NOT_ALLOWED = "not_allowed"  # the rules of the shop or the product do not allow this
    NOT_BOOKABLE = "not_bookable"
    OUT_OF_RANGE = "out_of_range"  # a number, count or amount is outside its bounds
    PROVIDER_UNREACHABLE = "provider_unreachable"  # the payment provider did not answer
    REFUND_FAILED = "refund_failed"  # the payment provider did not take the refund
    REQUIRED = "required"  # a value the request needs is missing
    SLOT_FULL = "slot_full"
    TOO_EARLY = "too_early"
    TOO_LATE = "too_late"
    UNAVAILABLE_PAYMENT_METHOD = "unavailable_payment_method"
    UNKNOWN = "unknown"
    # the id or value chosen is not one of the caller's (or does not exist)
    UNKNOWN_CHOICE = "unknown_choice"
    UNKNOWN_CODE = "unknown_code"
    UNKNOWN_PAYMENT = "unknown_payment"
    WRONG_STATE = "wrong_state"  # the object is not in a state that allows this
