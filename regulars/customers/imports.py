"""Reading a merchant's spreadsheet of customers: CSV (UTF-8 or GBK, as Excel in China saves it)
or Excel (.xlsx), its columns guessed from their headers, each row checked on its own."""

import csv
import datetime as dt
import io
from collections.abc import Iterator

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from regulars.core import clock
from regulars.core.errors import DomainError
from regulars.core.phones import normalize_phone
from regulars.customers.errors import Problem

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000
FIELDS = ["name", "phone", "birthday", "tags", "notes", "consent"]
FIELD_LABELS = {
    "name": _lazy("Name"),
    "phone": _lazy("Phone"),
    "birthday": _lazy("Birthday"),
    "tags": _lazy("Tags"),
    "notes": _lazy("Notes"),
    "consent": _lazy("Agreed to receive offers"),
}
# Header words that say which field a column holds (lower-cased, in both languages).
HEADER_WORDS = {
    "name": ["name", "customer", "姓名", "客户", "名字", "称呼"],
    "phone": ["phone", "mobile", "tel", "手机", "电话", "手机号", "联系方式"],
    "birthday": ["birthday", "birth", "生日", "出生"],
    "tags": ["tag", "tags", "标签", "分类"],
    "notes": ["note", "notes", "remark", "备注", "说明"],
    "consent": ["consent", "同意", "接收"],
}
DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d"]
YES = {"1", "y", "yes", "true", "是", "同意", "√", "✓"}


# A customer list has a handful of columns and short cells. Bounds keep a hostile file (a header
# of 100,000 commas, a 5 MB cell) from costing more than a row at a time.
MAX_COLUMNS = 50
MAX_CELL_CHARS = 2_000


def iter_rows(filename: str, content: bytes) -> Iterator[list[str]]:
    """The non-empty rows of a .csv or .xlsx file, header first, read one at a time, each cut to
    MAX_COLUMNS (a file with anything beyond them is refused) and checked for cell length."""
    if len(content) > MAX_BYTES:
        raise DomainError(
            _("The file is larger than 5 MB."), field="file", code=Problem.OUT_OF_RANGE
        )
    if filename.lower().endswith(".xlsx"):
        rows = _xlsx_rows(content)
    elif filename.lower().endswith((".csv", ".txt")):
        rows = _csv_rows(content)
    else:
        raise DomainError(_("Upload a .csv or .xlsx file."), field="file", code=Problem.BAD_FORMAT)
    for number, row in enumerate(rows, start=1):
        if len(row) > MAX_COLUMNS and any(cell.strip() for cell in row[MAX_COLUMNS:]):
            raise DomainError(
                _("Row %(row)d has more than %(n)d columns.") % {"row": number, "n": MAX_COLUMNS},
                field="file",
                code=Problem.OUT_OF_RANGE,
            )
        row = row[:MAX_COLUMNS]
        if any(len(cell) > MAX_CELL_CHARS for cell in row):
            raise DomainError(
                _("Row %(row)d has a cell longer than %(n)d characters.")
                % {"row": number, "n": MAX_CELL_CHARS},
                field="file",
                code=Problem.TOO_LONG,
            )
        if any(cell.strip() for cell in row):
            yield row


def read_table(filename: str, content: bytes) -> tuple[list[str], Iterator[list[str]]]:
    """The header, and the rows below it as they are read (never all in memory at once)."""
    rows = iter_rows(filename, content)
    header = next(rows, None)
    if header is None:
        raise DomainError(
            _("The file has no rows below its header."), field="file", code=Problem.EMPTY_FILE
        )
    return [cell.strip() for cell in header], rows


def count_rows(filename: str, content: bytes) -> tuple[list[str], int]:
    """The header and the number of rows below it, checked (bounds, at most MAX_ROWS) in one
    streaming pass: what the upload needs before anything is parsed field by field."""
    header, rows = read_table(filename, content)
    total = 0
    for _row in rows:
        total += 1
        if total > MAX_ROWS:
            raise DomainError(
                _("At most 50,000 rows at a time."), field="file", code=Problem.OUT_OF_RANGE
            )
    if total == 0:
        raise DomainError(
            _("The file has no rows below its header."), field="file", code=Problem.EMPTY_FILE
        )
    return header, total


def _csv_rows(content: bytes) -> Iterator[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise DomainError(
            _("The file's text encoding is not UTF-8 or GBK."),
            field="file",
            code=Problem.BAD_FORMAT,
        )
    try:
        yield from csv.reader(io.StringIO(text))
    except csv.Error:
        raise DomainError(
            _("This CSV file cannot be read."), field="file", code=Problem.BAD_FORMAT
        ) from None


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, dt.date):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # phone numbers typed as numbers
    return str(value)


def _xlsx_rows(content: bytes) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a broken file
        raise DomainError(
            _("This Excel file cannot be read."), field="file", code=Problem.BAD_FORMAT
        ) from None
    sheet = book.worksheets[0]
    # One column past the bound, so that a sheet using more is noticed and refused.
    for row in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1):
        yield [_cell(value) for value in row]


def guess_mapping(headers: list[str]) -> dict[str, int]:
    found = {}
    for field in FIELDS:
        for index, header in enumerate(headers):
            lowered = header.lower()
            if index not in found.values() and any(w in lowered for w in HEADER_WORDS[field]):
                found[field] = index
                break
    return found


def clean_row(row: list[str], mapping: dict[str, int]) -> tuple[dict, list[tuple[str, str]]]:
    """The row's values for the directory, and what is wrong with it (field, message)."""

    def value(field: str) -> str:
        index = mapping.get(field)
        return row[index].strip() if index is not None and index < len(row) else ""

    data, errors = {}, []
    raw_phone = value("phone")
    phone = normalize_phone(raw_phone) if raw_phone else None
    if not raw_phone:
        errors.append(("phone", _("The phone number is missing.")))
    elif phone is None:
        errors.append(("phone", _("“%(value)s” is not a phone number.") % {"value": raw_phone}))
    data["phone"] = phone or ""
    name = value("name")
    if len(name) > 60:
        errors.append(("name", _("The name is longer than 60 characters.")))
    data["name"] = name[:60]
    raw_birthday = value("birthday")
    data["birthday"] = None
    if raw_birthday:
        for fmt in DATE_FORMATS:
            try:
                data["birthday"] = dt.datetime.strptime(raw_birthday, fmt).date()
                break
            except ValueError:
                continue
        if data["birthday"] is None:
            errors.append(
                (
                    "birthday",
                    _("“%(value)s” is not a date like 1990-05-20.") % {"value": raw_birthday},
                )
            )
        elif data["birthday"] > clock.today():
            errors.append(("birthday", _("A birthday cannot be in the future.")))
    tags = value("tags").replace("，", ",").replace("；", ",").replace(";", ",")
    data["tags"] = [tag.strip()[:20] for tag in tags.split(",") if tag.strip()][:10]
    data["notes"] = value("notes")
    data["consent"] = value("consent").lower() in YES
    return data, errors


def merge_into(first: dict, later: dict) -> None:
    """A phone that appears again in the same file is one customer (the README's rule): a later
    row fills what earlier rows left empty and wins where both say something, tags are joined
    (at most 10), and consent is given if any row gives it."""
    for field in ("name", "birthday", "notes"):
        if later[field]:
            first[field] = later[field]
    first["tags"] = list(dict.fromkeys([*first["tags"], *later["tags"]]))[:10]
    first["consent"] = first["consent"] or later["consent"]


def checked_rows(rows, mapping: dict[str, int]):
    """Every row checked, in-file repeats of a phone merged: (good customers in file order,
    each with the number of its first row; problems as {"row", "field", "message"}; how many good
    rows were merged into an earlier one). The preview and the import both read this, so the
    preview counts exactly what the import will do."""
    good: dict[str, tuple[int, dict]] = {}
    problems: list[dict] = []
    merged = 0
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        data, wrong = clean_row(row, mapping)
        for field, message in wrong:
            problems.append({"row": number, "field": field, "message": str(message)})
        if wrong:
            continue
        if data["phone"] in good:
            merge_into(good[data["phone"]][1], data)
            merged += 1
        else:
            good[data["phone"]] = (number, data)
    return list(good.values()), problems, merged
