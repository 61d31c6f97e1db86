"""The console's grouped menu (`navigation.menu`), for `merchants/console_base.html`."""

from django import template

from ..navigation import menu

register = template.Library()


@register.inclusion_tag("merchants/console_nav.html", takes_context=True)
def console_nav(context, actor):
    return {"groups": menu(actor, context["request"].path)}
