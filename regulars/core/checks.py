"""Checks `manage.py check --deploy` runs: settings that are fine on a laptop and wrong in production."""

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
