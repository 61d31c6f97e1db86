from decimal import Decimal

from django import template
from django.utils.translation import gettext as _

from regulars.core import money
from regulars.core.phones import display_phone

register = template.Library()


@register.filter
def distance(meters) -> str:
    """1.2 km / 350 m, the way a map app shows it."""
    if meters is None:
        return ""
    meters = int(meters)
    if meters >= 1000:
        return _("%(km).1f km") % {"km": meters / 1000}
    return _("%(m)d m") % {"m": meters}


@register.filter
def phone(value) -> str:
    return display_phone(value)


@register.filter
def stars(rating) -> str:
    """★★★★☆ for a 0–5 rating, rounded to the nearest half, shown as whole stars."""
    try:
        value = float(rating)
    except (TypeError, ValueError):
        return ""
    full = int(round(value))
    return "★" * full + "☆" * (5 - full)


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters changed (for paging and sort links)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return "?" + params.urlencode()


@register.filter
def grouped(code) -> str:
    """1234 5678 9012: a card or order code as people read it aloud."""
    from regulars.core.codes import grouped as group
    from regulars.core.codes import normalize_code

    return group(normalize_code(str(code or "")))


@register.filter
def discount(percent) -> str:
    """A tier's discount as the reader says it: 95折 in Chinese, "5% off" in English; "—" for none."""
    return money.discount_text(percent or 0) or "—"


@register.filter
def yuan(value) -> str:
    """An amount with its sign before the currency: -¥19.03, not ¥-19.03."""
    if value in (None, ""):
        return ""
    amount = money.to_money(Decimal(str(value)))
    return f"-¥{-amount}" if amount < 0 else f"¥{amount}"
