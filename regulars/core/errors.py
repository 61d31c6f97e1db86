"""Domain errors: one refusal, one translated message, everywhere.

Services raise `DomainError` with the field it concerns (or None for the whole request). The API
turns it into HTTP 4xx JSON with field-level messages; pages turn it into a form error.
"""

from django.utils.functional import Promise


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
