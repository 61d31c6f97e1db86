"""Checks `manage.py check --deploy` runs: settings that are fine on a laptop and wrong in production."""

import os

from django.conf import settings
from django.core import checks

from . import clock


@checks.register(checks.Tags.security, deploy=True)
def clock_not_pinned(app_configs, **kwargs):
    if clock.environment_pin():
        return [
            checks.Error(
                f"{clock.PIN_ENVIRONMENT_VARIABLE} pins the clock: orders, coupons and ledgers "
                "would carry a made-up time.",
                hint=f"Unset {clock.PIN_ENVIRONMENT_VARIABLE} in production.",
                id="regulars.E001",
            )
        ]
    return []


@checks.register(checks.Tags.security, deploy=True)
def sandbox_payments_not_forgeable(app_configs, **kwargs):
    """The sandbox gateway takes no money: with the public secret anyone forges its callbacks."""
    asked = os.environ.get("REGULARS_SANDBOX_PAYMENTS", "").strip().lower() in {
        "1",
        "true",
        "yes",
        "on",
    }
    if (asked or settings.REGULARS_SANDBOX_PAYMENTS) and (
        settings.REGULARS_SANDBOX_PAY_SECRET == settings.SANDBOX_DEFAULT_SECRET
    ):
        return [
            checks.Error(
                "The sandbox payment gateway is switched on with its public default secret: "
                "anyone could mark orders paid and top up cards without paying.",
                hint="Leave REGULARS_SANDBOX_PAYMENTS unset in production, or set "
                "REGULARS_SANDBOX_PAY_SECRET to a secret of your own for a staging site.",
                id="regulars.E002",
            )
        ]
    return []
