"""The console's grouped menu (`navigation.menu_html`), for `merchants/console_base.html`."""

from django import template
from django.utils.safestring import mark_safe

from ..navigation import menu_html

register = template.Library()


@register.simple_tag(takes_context=True)
def console_nav(context, actor):
    # menu_html renders the template itself (labels escaped there) and memoizes the result.
    return mark_safe(menu_html(actor, context["request"].path))
