from tests.conftest import MONDAY_9AM, SUNDAY_NOON  # noqa: F401  (re-exported for the orders tests)
