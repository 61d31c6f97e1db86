from tests.membership.conftest import card, program  # noqa: F401 - shared fixtures
