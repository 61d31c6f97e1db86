"""The codebase stays formatted, lint-clean and with migrations for every model change."""

import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
RUFF = [sys.executable, "-m", "ruff"]


def test_ruff_check_is_clean():
    result = subprocess.run([*RUFF, "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_ruff_format_is_clean():
    result = subprocess.run(
        [*RUFF, "format", "--check", "."], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout


def test_apps_depend_downwards_only():
    """import-linter's contract in pyproject.toml: the layers of docs/architecture.md."""
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint_imports)], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-4000:]


def test_every_app_has_its_place_in_the_layers():
    """An app missing from the contract would be free to import anything."""
    import tomllib

    contract = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    layered = {
        name.strip() for layer in contract["contracts"][0]["layers"] for name in layer.split("|")
    }
    apps = {f"regulars.{path.parent.name}" for path in (ROOT / "regulars").glob("*/apps.py")}
    assert apps - layered == set()


def test_no_module_is_too_long_to_read():
    """A module over 800 lines holds more than one concern: split it along its seams."""
    long = {
        str(path.relative_to(ROOT)): lines
        for path in (ROOT / "regulars").rglob("*.py")
        if "migrations" not in path.parts
        and (lines := len(path.read_text(encoding="utf-8").splitlines())) > 800
    }
    assert long == {}


def test_every_refusal_carries_a_code_from_its_apps_enum():
    """A client tells refusals apart by code: each `DomainError` names one from the `Problem` of
    its own app's errors.py (or passes on the code of the error it wraps)."""
    import ast
    import re

    offenders = []
    for path in (ROOT / "regulars").rglob("*.py"):
        if "migrations" in path.parts or path.name == "errors.py":
            continue
        source = path.read_text(encoding="utf-8")
        app = path.relative_to(ROOT / "regulars").parts[0]
        imported = re.search(
            rf"^from (regulars\.{app}|\.+)\.?errors import .*\bProblem\b", source, re.M
        )
        for node in ast.walk(ast.parse(source)):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "DomainError"):
                continue
            code = next((k.value for k in node.keywords if k.arg == "code"), None)
            own_enum = (
                isinstance(code, ast.Attribute)
                and isinstance(code.value, ast.Name)
                and code.value.id == "Problem"
                and imported is not None
            )
            passed_on = isinstance(code, ast.Attribute) and ast.unparse(code) == "error.code"
            # a refused coupon answers the reason of promotions' `Refusal`
            refusal = isinstance(code, ast.Attribute) and ast.unparse(code).startswith("Refusal.")
            chosen = isinstance(code, ast.IfExp) and all(
                isinstance(branch, ast.Attribute) and ast.unparse(branch).startswith("Problem.")
                for branch in (code.body, code.orelse)
            )
            if not (own_enum or passed_on or refusal or (chosen and imported is not None)):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


@pytest.mark.django_db
def test_every_model_change_has_a_migration():
    out = StringIO()
    try:
        call_command("makemigrations", check=True, dry_run=True, stdout=out)
    except SystemExit:
        pytest.fail("models changed without a migration:\n" + out.getvalue())


# Every "now" and "today" comes from `regulars.core.clock`, which tests pin; a direct read of the
# machine's calendar is how a suite comes to pass on one day and fail on the next.
CALENDAR_READS = (
    "timezone.now(",
    "timezone.localdate()",
    "timezone.localtime()",
    "date.today(",
    "datetime.now(",
    "datetime.today(",
    "datetime.utcnow(",
    "auto_now=True",
    "auto_now_add=True",
    "{% now ",
    "default=timezone.now",
)


def test_code_and_tests_read_time_only_from_the_clock():
    exempt = {ROOT / "regulars" / "core" / "clock.py", Path(__file__).resolve()}
    offenders = []
    paths = [*(ROOT / "regulars").rglob("*"), *(ROOT / "tests").rglob("*")]
    for path in sorted(paths):
        if path.suffix not in {".py", ".html", ".txt"} or "migrations" in path.parts:
            continue
        if path in exempt:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if any(read in line for read in CALENDAR_READS) and "ClockedDateTimeField" not in line:
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == [], "read the time from regulars.core.clock:\n" + "\n".join(offenders)


def test_every_csv_goes_through_the_one_writer():
    """`regulars.core.csvfile` neutralises formulas; a `csv.writer` elsewhere would not."""
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "regulars").rglob("*.py")
        if "csv.writer(" in path.read_text(encoding="utf-8")
        and path != ROOT / "regulars" / "core" / "csvfile.py"
    ]
    assert offenders == []


def test_page_titles_hold_text_only():
    """A title block with a form in it put the CSRF token into the browser tab's title."""
    import re

    title = re.compile(r"{% block title %}(.*?){% endblock %}", re.S)
    offenders = []
    for path in sorted((ROOT / "regulars").rglob("*.html")):
        for found in title.finditer(path.read_text(encoding="utf-8")):
            if "<" in found.group(1):
                offenders.append(f"{path.relative_to(ROOT)}: {found.group(1)[:60]!r}")
    assert offenders == []
