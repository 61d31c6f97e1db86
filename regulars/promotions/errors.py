"""Why a coupon was refused: one reason, one translated message, on the till, the checkout, the
claim button and the API alike."""

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _

from regulars.core.errors import DomainError


class Refusal(models.TextChoices):
    BAD_CODE = "bad_code", _("This is not a valid coupon code: check the digits.")
    UNKNOWN = "unknown", _("No coupon of this shop has this code.")
    NOT_PUBLISHED = "not_published", _("This campaign is not running.")
    NOT_STARTED = "not_started", _("This coupon is valid from %(date)s.")
    EXPIRED = "expired", _("This coupon expired on %(date)s.")
    WRONG_STORE = "wrong_store", _("This coupon is not valid in this store.")
    BELOW_THRESHOLD = "below_threshold", _("This coupon needs a spend of at least ¥%(amount)s.")
    NOT_APPLICABLE = "not_applicable", _("None of these services takes this coupon.")
    USED = "used", _("This coupon was already used on %(date)s.")
    TIER_NOT_ELIGIBLE = "tier_not_eligible", _("This coupon is for %(tiers)s members only.")
    NOT_IN_AUDIENCE = "not_in_audience", _("This coupon is for invited customers only.")
    LIMIT_REACHED = "limit_reached", _("You already have %(n)s of this coupon: the limit.")
    SOLD_OUT = "sold_out", _("All coupons of this campaign are gone.")
    WRONG_MODE = "wrong_mode", _("This coupon cannot be claimed this way.")
    NOT_YOURS = "not_yours", _("This coupon belongs to someone else.")
    NOT_CLAIMED = "not_claimed", _("Claim this coupon before using it.")
    NOT_AVAILABLE = "not_available", _("This offer is not available to your account.")


def refuse(reason: Refusal, *, field: str = "code", **params) -> DomainError:
    """The error to raise for `reason`, its message filled in."""
    message = str(reason.label)
    if params:
        message = message % params
    return DomainError(message, field=field, code=reason.value)


class Problem(StrEnum):
    """The codes of the errors campaigns and flash deals (a refused coupon answers a `Refusal` above)
    answer with (`{"errors": [{"field", "code", "message"}]}`): a client branches on the code
    and the field, and shows the message."""

    BAD_TIME = "bad_time"  # a date or time is in the past, too far ahead, or out of order
    CHOICE_REQUIRED = "choice_required"  # one of the offered choices must be picked
    EMPTY_AUDIENCE = "empty_audience"
    NO_CARD = "no_card"
    OUT_OF_RANGE = "out_of_range"  # a number, count or amount is outside its bounds
    REQUIRED = "required"  # a value the request needs is missing
    TOO_LONG = "too_long"  # a text is longer than allowed
    # the id or value chosen is not one of the caller's (or does not exist)
    UNKNOWN_CHOICE = "unknown_choice"
