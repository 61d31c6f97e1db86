"""Input that no form or schema should have to think about, refused where it enters.

* A NUL character in any text: PostgreSQL cannot store it and answers with an error deep inside
  a query (the anonymous nearby search included), so it is refused with 400 before any view runs.
* A whole number beyond what a database integer column holds (±2,147,483,647) in a JSON body:
  no quantity, count or points figure in Regulars is anywhere near it, and letting it through
  overflows a column. Services still bound their own quantities far below this.
* Arithmetic that overflows on an absurd date (9999-12-31 plus a day) or a number the database
  refuses: a 400 naming the problem, never a 500.
"""

import datetime as dt
import json
from typing import Annotated

from django.db import DataError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from ninja.parser import Parser
from pydantic import Field, WithJsonSchema

from regulars.core.errors import Problem

from .errors import DomainError

INT32 = 2**31 - 1
NUL = "\x00"

# The calendar a shop's business lives in: dates outside it are typing mistakes or attacks, and
# the arithmetic on them (the month after 9999-12) overflows.
FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2099, 12, 31)
BusinessDate = Annotated[
    dt.date, Field(ge=FIRST_DAY, le=LAST_DAY, description="YYYY-MM-DD, 2000-01-01 to 2099-12-31")
]


# A shop's wall-clock time (opening hours, quiet hours) has no offset: it is the same 09:00 in
# every season. JSON Schema's "time" format is RFC 3339's, which requires an offset, so the API
# describes these as HH:MM[:SS] text instead (clients and the fuzz tests then agree with it).
WallTime = Annotated[
    dt.time,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$",
            "description": "local wall-clock time, HH:MM or HH:MM:SS",
            "examples": ["09:00"],
        }
    ),
]


def business_day(raw: str | None) -> dt.date | None:
    """A `YYYY-MM-DD` from a page's query string, or None when it is missing, malformed or outside
    the business calendar (the page then shows its default day)."""
    try:
        day = dt.date.fromisoformat(raw or "")
    except ValueError:
        return None
    return day if FIRST_DAY <= day <= LAST_DAY else None


def business_month_text(raw: str | None) -> dt.date | None:
    """The first of a month typed as `YYYY-MM` (an `<input type="month">`), or None."""
    year, _dash, month = (raw or "").partition("-")
    if not (year.isdigit() and month.isdigit()):
        return None
    return business_month(int(year), int(month))


def business_month(year: int, month: int) -> dt.date | None:
    """The first of a month from a URL's numbers, or None when there is no such month."""
    if not (FIRST_DAY.year <= year <= LAST_DAY.year and 1 <= month <= 12):
        return None
    return dt.date(year, month, 1)


def _walk(value, path: str) -> None:
    if isinstance(value, bool):
        return
    if isinstance(value, int) and abs(value) > INT32:
        raise DomainError(
            _("This number is far too large."), field=path or None, code=Problem.TOO_LARGE
        )
    if isinstance(value, str) and NUL in value:
        raise DomainError(
            _("Text cannot contain a NUL character."), field=path or None, code=Problem.NUL
        )
    if isinstance(value, dict):
        for key, item in value.items():
            if NUL in str(key):
                raise DomainError(_("Text cannot contain a NUL character."), code=Problem.NUL)
            _walk(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk(item, f"{path}.{index}" if path else str(index))


class BoundedJsonParser(Parser):
    """django-ninja's JSON parser, refusing NUL characters and integers no column holds."""

    def parse_body(self, request: HttpRequest):
        try:
            data = json.loads(request.body)
        except (ValueError, RecursionError):
            raise DomainError(
                _("The request body is not valid JSON."), code=Problem.BAD_JSON
            ) from None
        _walk(data, "")
        return data


def _has_nul(request: HttpRequest) -> bool:
    if NUL in request.path:
        return True
    queries = [request.GET, request.POST] if request.method == "POST" else [request.GET]
    for query in queries:
        for key, values in query.lists():
            if NUL in key or any(NUL in value for value in values):
                return True
    return False


def refusal(request: HttpRequest, message: str, code: str, status: int = 400) -> HttpResponse:
    """A 400 in the shape the caller reads: the API's `{"errors": …}` or a page."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"errors": [{"field": None, "code": code, "message": message}]}, status=status
        )
    return render(request, "400.html", {"message": message}, status=status)


class RefuseUnstorableInput:
    """Middleware: NUL characters in the address, query or form are refused with 400; overflow
    and data errors a view did not expect become 400 instead of 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_nul(request):
            return refusal(request, _("Text cannot contain a NUL character."), "nul")
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if isinstance(exception, OverflowError):
            return refusal(request, _("A date or number is out of range."), "out_of_range")
        if isinstance(exception, DataError):
            return refusal(request, _("A value is out of range or malformed."), "bad_value")
        return None
