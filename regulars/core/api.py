"""Shared API plumbing: the error shapes. Authentication is accounts.auth; the staff context
is merchants.web.actor_for.

Every error is JSON: {"errors": [{"field": "lat", "code": "invalid", "message": "..."}]}.
"""

import logging

from django.core.exceptions import PermissionDenied
from django.db import DataError
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError, ValidationError

from regulars.core import boundary
from regulars.core.errors import DomainError
from regulars.core.throttle import RateLimited

log = logging.getLogger("regulars.api")


def _field_of(loc) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "form", "file", "payload")]
    return ".".join(parts) or None


def install_error_handlers(api) -> None:
    @api.exception_handler(OverflowError)
    def overflow(request, exc):
        return boundary.refusal(request, _("A date or number is out of range."), "out_of_range")

    @api.exception_handler(DataError)
    def data_error(request, exc):
        return boundary.refusal(request, _("A value is out of range or malformed."), "bad_value")

    @api.exception_handler(PermissionDenied)
    def permission_denied(request, exc):
        message = str(exc) or _("You may not do this here.")
        return boundary.refusal(request, message, "forbidden", status=403)

    @api.exception_handler(Exception)
    def server_error(request, exc):
        """A bug: logged with its traceback, answered in the API's own error shape."""
        log.exception("API error on %s %s", request.method, request.path)
        return api.create_response(
            request,
            {
                "errors": [
                    {
                        "field": None,
                        "code": "server_error",
                        "message": _("Something went wrong on our side; it has been logged."),
                    }
                ]
            },
            status=500,
        )

    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        response = api.create_response(request, {"errors": [exc.as_dict()]}, status=exc.status)
        if isinstance(exc, RateLimited):
            response["Retry-After"] = str(exc.retry_after)
        return response

    @api.exception_handler(ValidationError)
    def validation_error(request, exc: ValidationError):
        errors = [
            {
                "field": _field_of(e.get("loc", ())),
                "code": e.get("type", "invalid"),
                "message": e.get("msg", ""),
            }
            for e in exc.errors
        ]
        return api.create_response(request, {"errors": errors}, status=422)

    @api.exception_handler(AuthenticationError)
    def auth_error(request, exc):
        return api.create_response(
            request,
            {"errors": [{"field": None, "code": "unauthorized", "message": _("Sign in first.")}]},
            status=401,
        )

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        if isinstance(exc.__cause__, DomainError):  # refused by the body parser (core.boundary)
            return domain_error(request, exc.__cause__)
        return api.create_response(
            request,
            {"errors": [{"field": None, "code": "http", "message": str(exc)}]},
            status=exc.status_code,
        )
