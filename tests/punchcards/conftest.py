from tests.membership.conftest import card, program, vip_card  # noqa: F401 - shared fixtures
