from django import template

from regulars.promotions.selectors import value_text

register = template.Library()


@register.filter
def coupon_value(campaign) -> str:
    """“¥20 off · on ¥100 or more”: the coupon's worth in words."""
    return value_text(campaign)
