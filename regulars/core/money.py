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


def discount_text(percent: Decimal | int | str) -> str:
    """A percentage off as people read it: 95折 in Chinese (what is paid, in tenths), "5% off"
    in English. 5 → 95折, 10 → 9折, 12.5 → 8.75折."""
    from django.utils.translation import get_language
    from django.utils.translation import gettext as _

    off = Decimal(str(percent)).normalize()
    if off <= 0:
        return ""
    if (get_language() or "").startswith("zh"):
        paid = Decimal(100) - Decimal(str(percent))
        tenths = (
            paid / 10 if paid % 10 == 0 else (paid if paid == paid.to_integral() else paid / 10)
        )
        return f"{tenths.normalize():f}折"
    return _("%(percent)s%% off") % {"percent": f"{off:f}"}
