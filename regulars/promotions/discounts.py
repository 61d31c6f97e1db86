"""Coupons on online orders: the orders app's discount source "coupon"."""

from django.utils.translation import gettext as _

from regulars.orders.discounts import Quote


class CouponDiscount:
    key = "coupon"

    def quote(self, *, consumer, store, lines, subtotal, params) -> Quote:
        from .services import quote_order_coupon

        coupon, amount = quote_order_coupon(
            consumer=consumer, store=store, lines=lines, code=str(params.get("code", ""))
        )
        return Quote(
            source=self.key,
            amount=amount,
            label=_("Coupon: %(name)s") % {"name": coupon.campaign.name},
            params={"coupon_id": coupon.pk},
        )

    def apply(self, *, order, quote: Quote) -> str:
        from .services import use_on_order

        redemption = use_on_order(
            order=order, coupon_id=quote.params["coupon_id"], discount=quote.amount
        )
        return f"redemption:{redemption.pk}"

    def release(self, *, discount) -> None:
        from .services import return_from_order

        return_from_order(order_id=discount.order_id)

    def offer_for(self, consumer, merchant_id: int) -> str | None:
        return None  # coupons are offered as a choice at checkout (`choices_for`)

    def choices_for(self, consumer, merchant_id: int) -> list[tuple[str, str]]:
        from .selectors import coupon_label, usable_coupons

        return [(c.code, coupon_label(c)) for c in usable_coupons(consumer, merchant_id)]
