"""Shared API plumbing: authentication, the merchant context, and error shapes.

Every error is JSON: {"errors": [{"field": "lat", "code": "invalid", "message": "..."}]}.
"""

import logging

from django.core.exceptions import PermissionDenied
from django.db import DataError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from regulars.core import boundary, clock
from regulars.core.errors import DomainError, NotFound
from regulars.core.throttle import RateLimited

log = logging.getLogger("regulars.api")


class TokenAuth(HttpBearer):
    """`Authorization: Bearer rg_...` for API clients."""

    def authenticate(self, request: HttpRequest, token: str):
        from regulars.accounts.models import ApiToken
        from regulars.accounts.selectors import user_for_token

        user = user_for_token(token)
        if user is not None:
            request.user = user
            ApiToken.objects.filter(key_hash=ApiToken.hash_key(token)).update(
                last_used_at=clock.now()
            )
        return user


class SignedInSession(SessionAuth):
    """The browser's session cookie (CSRF checked by django-ninja)."""


AUTH = [TokenAuth(), SignedInSession()]


def actor_for(request: HttpRequest):
    """The caller's staff context, from their membership; 404 when they have none there."""
    from regulars.merchants.permissions import staff_context

    raw = request.headers.get("X-Merchant-Id")
    merchant_id = None
    if raw:
        try:
            merchant_id = int(raw)
        except ValueError:
            raise DomainError(_("X-Merchant-Id must be a number."), field="X-Merchant-Id") from None
    actor = staff_context(request.user, merchant_id)
    if actor is None:
        raise NotFound(_("You are not staff of this merchant."))
    return actor


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
