"""The console's menu, grouped the way a shop's day is: the front desk, members, marketing,
customers, reports, settings. Each link names the action its page requires, so a role sees only
the pages it may open (the pages check again). Links are URL names: this module imports nothing
from the apps it links to."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .permissions import Action, StaffContext


@dataclass(frozen=True)
class Link:
    label: str
    url_name: str
    action: str = Action.VIEW_CONSOLE


GROUPS = [
    (
        pgettext_lazy("console menu", "Front desk"),
        [
            Link(_("Today"), "workbench:today"),
            Link(_("Till"), "counter:till", Action.USE_TILL),
            Link(_("Bills"), "counter:bills", Action.USE_TILL),
            Link(_("Verify a code"), "orders_console:cashier", Action.CONFIRM_CONSUMPTION),
            Link(_("Reservations"), "orders_console:reservations", Action.HANDLE_BOOKINGS),
            Link(_("Orders"), "orders_console:orders", Action.VIEW_ORDERS),
            Link(_("Daily close"), "counter:close", Action.USE_TILL),
        ],
    ),
    (
        pgettext_lazy("console menu", "Members"),
        [
            Link(_("Members"), "cards_console:members", Action.VIEW_ORDERS),
            Link(_("Card design"), "cards_console:design", Action.DESIGN_CARDS),
            Link(_("Tiers"), "cards_console:tiers", Action.DESIGN_CARDS),
            Link(_("Printed cards"), "cards_console:printed", Action.DESIGN_CARDS),
            Link(_("Punch cards"), "punchcards:plans"),
            Link(_("Use a punch card"), "punchcards:use", Action.USE_TILL),
        ],
    ),
    (
        pgettext_lazy("console menu", "Marketing"),
        [
            Link(_("Campaigns"), "campaigns:list", Action.VIEW_CAMPAIGNS),
            Link(_("Flash deal"), "campaigns:new_flash", Action.MANAGE_CAMPAIGNS),
            Link(_("Customer events"), "relationships:events", Action.VIEW_CUSTOMERS),
            Link(_("Greetings"), "outreach:greetings", Action.CONFIGURE_CUSTOMERS),
            Link(_("Welcome gifts"), "customers:welcome_gifts", Action.CONFIGURE_CUSTOMERS),
            Link(_("Messages sent"), "outreach:messages", Action.VIEW_CUSTOMERS),
        ],
    ),
    (
        pgettext_lazy("console menu", "Customers"),
        [
            Link(_("Customers"), "customers:list", Action.VIEW_CUSTOMERS),
            Link(_("Tasks"), "relationships:tasks", Action.VIEW_CUSTOMERS),
            Link(_("Complaints"), "servicedesk:tickets", Action.VIEW_CUSTOMERS),
            Link(_("Reviews"), "reviews_console:reviews", Action.REPLY_REVIEWS),
            Link(_("Knowledge base"), "servicedesk:knowledge", Action.VIEW_CUSTOMERS),
            Link(_("Segments"), "customers:segments", Action.VIEW_CUSTOMERS),
            Link(_("Import customers"), "customers:imports", Action.EDIT_CUSTOMERS),
        ],
    ),
    (
        pgettext_lazy("console menu", "Reports"),
        [
            Link(_("Reports"), "reports:dashboard", Action.VIEW_REPORTS),
            Link(_("Key accounts"), "customers:key_accounts", Action.VIEW_CUSTOMERS),
            Link(_("Customer value"), "customers:value", Action.VIEW_CUSTOMERS),
            Link(_("Commissions"), "counter:commissions", Action.VIEW_REPORTS),
            Link(_("Settlement"), "orders_console:settlement", Action.VIEW_SETTLEMENT),
            Link(_("Audit log"), "audit:log", Action.VIEW_AUDIT_LOG),
        ],
    ),
    (
        pgettext_lazy("console menu", "Settings"),
        [
            Link(_("Stores"), "console:stores"),
            Link(_("Team"), "team:list"),
            Link(_("Commission rules"), "team:commissions", Action.VIEW_REPORTS),
            Link(_("Staff"), "console:staff", Action.VIEW_STAFF),
            Link(_("Directory settings"), "customers:settings", Action.CONFIGURE_CUSTOMERS),
            Link(
                _("Relationship indicators"), "relationships:indicators", Action.CONFIGURE_CUSTOMERS
            ),
            Link(_("Merchant settings"), "console:settings", Action.MANAGE_STAFF),
        ],
    ),
]


@dataclass(frozen=True)
class ShownLink:
    label: str
    url: str
    current: bool


def menu(actor: StaffContext, path: str) -> list[tuple[str, list[ShownLink], bool]]:
    """[(group label, its links this role may open, whether the page shown is in it)]."""
    shown = []
    for label, links in GROUPS:
        items = []
        for link in links:
            if not actor.can(link.action):
                continue
            url = reverse(link.url_name)
            items.append(ShownLink(str(link.label), url, _is_current(url, path)))
        if items:
            shown.append((label, items, any(item.current for item in items)))
    return shown


def _is_current(url: str, path: str) -> bool:
    # The workbench is the console's root: only the root itself is "Today".
    return path == url if url.rstrip("/").count("/") <= 1 else path.startswith(url)
