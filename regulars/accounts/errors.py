"""Why sign-in, phone codes, passwords and personal data refuse a request: one code per reason,
stable for API clients."""

from enum import StrEnum


class Problem(StrEnum):
    """The codes of the errors sign-in, phone codes, passwords and personal data answer with
    (`{"errors": [{"field", "code", "message"}]}`): a client branches on the code and the
    field, and shows the message."""

    ALREADY_ERASED = "already_erased"
    BAD_FORMAT = "bad_format"  # a value is not in the expected form
    BAD_LOGIN = "bad_login"
    CODE_EXPIRED = "code_expired"
    CODE_LOCKED = "code_locked"
    CODE_REQUIRED = "code_required"
    CODE_USED = "code_used"
    DUPLICATE = "duplicate"  # two entries that must differ are the same
    SMS_FAILED = "sms_failed"
    # the id or value chosen is not one of the caller's (or does not exist)
    UNKNOWN_CHOICE = "unknown_choice"
    VALUE_OUTSTANDING = "value_outstanding"
    WEAK_PASSWORD = "weak_password"
    WRONG_CODE = "wrong_code"
    WRONG_PASSWORD = "wrong_password"
