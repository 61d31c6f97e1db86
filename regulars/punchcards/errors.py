"""Why a punch card or plan is refused: one code per reason, stable for API clients."""

from enum import StrEnum


class Problem(StrEnum):
    ALREADY_USED = "already_used"  # a package's service was used already
    BAD_FORMAT = "bad_format"  # a value is not in the expected form
    CHOICE_REQUIRED = "choice_required"  # one of the offered choices must be picked
    DAILY_CAP = "daily_cap"  # the card's uses for today are taken
    EXPIRED = "expired"  # the card's validity has ended
    NOT_COVERED = "not_covered"  # the service is not one the card covers
    NO_USES_LEFT = "no_uses_left"  # every use of the card is taken
    OUT_OF_RANGE = "out_of_range"  # a number, count or amount is outside its bounds
    REQUIRED = "required"  # a value the request needs is missing
    TOO_LONG = "too_long"  # a text is longer than allowed
    # the id or value chosen is not one of the caller's (or does not exist)
    UNKNOWN_CHOICE = "unknown_choice"
    WRONG_STATE = "wrong_state"  # the card is not in a state that allows this
