"""Domain errors: one refusal, one translated message, everywhere.

Services raise `DomainError` with the field it concerns (or None for the whole request). The API
turns it into HTTP 4xx JSON with field-level messages; pages turn it into a form error.
"""

from enum import StrEnum

from django.utils.functional import Promise


class Problem(StrEnum):
    """The codes of the errors the input boundary answers with (each app has its own `Problem`
    in its `errors.py`; `NotFound` and `PermissionDenied` answer "not_found" and "forbidden")."""

    BAD_FORMAT = "bad_format"  # a value is not in the expected form
    BAD_JSON = "bad_json"
    BAD_POSITION = "bad_position"
    NUL = "nul"
    OUT_OF_RANGE = "out_of_range"  # a number, count or amount is outside its bounds
    TOO_LARGE = "too_large"


class DomainError(Exception):
    status = 400

    def __init__(self, message: str | Promise, *, field: str | None = None, code: str = "invalid"):
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.code = code

    def as_dict(self) -> dict:
        return {"field": self.field, "code": self.code, "message": str(self.message)}


class NotFound(DomainError):
    """The object does not exist *for this caller*: another merchant's id answers the same."""

    status = 404

    def __init__(self, message: str | Promise = "", **kwargs):
        from django.utils.translation import gettext

        super().__init__(message or gettext("Not found."), code="not_found", **kwargs)


class PermissionDenied(DomainError):
    status = 403

    def __init__(self, message: str | Promise = "", **kwargs):
        from django.utils.translation import gettext

        super().__init__(
            message or gettext("Your role does not allow this."), code="forbidden", **kwargs
        )
