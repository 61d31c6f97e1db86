"""Money is Decimal with two places; never float."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import models

CURRENCY = "CNY"
CENT = Decimal("0.01")


def to_money(value: Decimal | int | str) -> Decimal:
    """Round a value to cents the way a till does (half up)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


class MoneyField(models.DecimalField):
    """A price or amount in the merchant's currency: 12 digits, 2 places."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        path = "regulars.core.money.MoneyField"
        return name, path, args, kwargs
