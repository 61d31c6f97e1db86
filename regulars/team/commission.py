"""Which commission rule applies to a line, and what it earns (提成).

A service line looks for its own rule, then its menu section's, then the default; selling stored
value, punch cards and packages each have their own. A percentage applies to what the customer
paid for the line after the member price and the coupon (money, card balance, points and punch
card value all count: they are how the customer paid, not discounts); a fixed sum is per unit.
Refunded units and money reverse what they earned. Decision 0021.
"""

from decimal import ROUND_HALF_UP, Decimal

from .models import CommissionBasis, CommissionKind, CommissionRule

CENT = Decimal("0.01")


class RuleBook:
    def __init__(self, rules: list[CommissionRule]):
        self._by_scope = {rule.scope: rule for rule in rules}

    def for_service(self, item_id: int | None, section: str = "") -> CommissionRule | None:
        return (
            self._by_scope.get(f"item:{item_id}")
            or (self._by_scope.get(f"section:{section}") if section else None)
            or self._by_scope.get(CommissionKind.DEFAULT)
        )

    def for_sale(self, kind: str) -> CommissionRule | None:
        return self._by_scope.get(kind)


def earned(rule: CommissionRule | None, base: Decimal, units: int) -> Decimal:
    """What one line earns: the percentage of `base`, or the fixed sum times `units`."""
    if rule is None:
        return Decimal("0.00")
    if rule.basis == CommissionBasis.PERCENT:
        return (base * rule.value / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    return (rule.value * units).quantize(CENT)
