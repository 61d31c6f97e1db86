from decimal import Decimal

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
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


@register.simple_tag
def field_row(field) -> str:
    """One form field as the console and shop show it: label, widget, help and errors in a
    `div.field` (`has-error` when it has errors; a checkbox before its label). Written in Python
    because it runs for every field of every form: through an included template it cost a
    console page with six forms a fifth of its time (decision 0029)."""
    checkbox = field.widget_type == "checkbox"
    label = format_html('<label for="{}">{}</label>', field.id_for_label, field.label)
    widget = str(field)
    return format_html(
        '<div class="field{}{}" data-field="{}">\n  {}\n  {}{}\n</div>\n',
        " has-error" if field.errors else "",
        " check" if checkbox else "",
        field.name,
        format_html("{} {}", widget, label) if checkbox else format_html("{} {}", label, widget),
        format_html('<small class="help">{}</small>', field.help_text) if field.help_text else "",
        _errors(field.errors),
    )


@register.simple_tag
def form_fields(form) -> str:
    """A whole form's fields (form_fields.html): errors that belong to no field, each visible
    field as `field_row`, then the hidden ones with their errors."""
    parts = []
    if form.non_field_errors():
        parts.append(
            format_html('<div class="form-error" role="alert">{}</div>', _paragraphs(form))
        )
    parts.extend(field_row(field) for field in form.visible_fields())
    parts.extend(
        format_html("{}{}", str(field), _errors(field.errors)) for field in form.hidden_fields()
    )
    return mark_safe("".join(parts))  # every part above is escaped by format_html


def _errors(errors) -> str:
    return format_html_join("", '\n  <p class="error" role="alert">{}</p>', ((e,) for e in errors))


def _paragraphs(form) -> str:
    return format_html_join("", "<p>{}</p>", ((e,) for e in form.non_field_errors()))
