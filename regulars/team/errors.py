"""Why a team member, their hours or a commission rule is refused: one code per reason."""

from enum import StrEnum


class Problem(StrEnum):
    BAD_FORMAT = "bad_format"  # a value is not in the expected form
    BAD_TIME = "bad_time"  # a time range ends before it starts
    OUT_OF_RANGE = "out_of_range"  # a number or amount is outside its bounds
    OVERLAP = "overlap"  # working ranges of one day overlap
    REQUIRED = "required"  # a value the request needs is missing
    TOO_LONG = "too_long"  # a text is longer than allowed
    # the id or value chosen is not one of the caller's (or does not exist)
    UNKNOWN_CHOICE = "unknown_choice"
