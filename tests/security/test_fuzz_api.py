"""Fuzzing: schemathesis generates requests for every operation of /api/openapi.json, valid and
invalid, as a signed-in merchant owner with a shop, a card and a customer. No answer may be a
5xx, and every documented answer must match its schema. Bounded for CI by
REGULARS_FUZZ_EXAMPLES (examples per operation)."""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from regulars.accounts.services import create_api_token

EXAMPLES = int(os.environ.get("REGULARS_FUZZ_EXAMPLES", "6"))


@pytest.fixture
def keep_connection_open(db):
    """Requests go through the real WSGI application; like Django's test client, keep the test's
    database connection (and its transaction) open across them."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(keep_connection_open):
    from regulars.wsgi import application

    return schemathesis.openapi.from_wsgi("/api/openapi.json", application)


@pytest.fixture
def owner_headers(salon, card, settings):
    settings.DEBUG_PROPAGATE_EXCEPTIONS = False  # a crash must show as the 500 a client sees
    # The WSGI transport does not inflate gzip as an HTTP client would: ask for plain bodies.
    return {
        "Authorization": f"Bearer {create_api_token(user=salon[0].user)}",
        "Accept-Encoding": "identity",
    }


def test_no_request_makes_the_api_fail(api_schema, owner_headers):
    failures, tried = [], 0
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case):
            case.call_and_validate(
                headers=owner_headers, checks=[not_a_server_error, response_schema_conformance]
            )

        try:
            fuzz()
        except Exception as failure:  # noqa: BLE001 - every operation's findings are reported
            failures.append(f"{operation.label}: {str(failure)[:1500]}")
        tried += 1
    assert tried >= 150
    assert not failures, "\n\n".join(failures)


def test_schema_names_are_unique_across_the_api():
    """The OpenAPI components are keyed by class name: two `PlaceOut`s made the spec describe
    `/discovery/places` with the inbox's places (found by the fuzzer), and two `EventOut`s in one
    module described the customer timeline as events. Read from the source, so a class shadowed
    by a later one of the same name is seen too."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "regulars"
    owners: dict[str, list[str]] = {}
    for path in sorted(root.glob("*/api.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ClassDef):
                owners.setdefault(node.name, []).append(f"{path.parent.name}:{node.lineno}")
    assert {name: where for name, where in owners.items() if len(where) > 1} == {}
