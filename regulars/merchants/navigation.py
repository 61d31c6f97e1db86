"""The console's menu, grouped the way a shop's day is: the front desk, members, marketing,
customers, reports, settings. Each link names the action its page requires, so a role sees only
the pages it may open (the pages check again). Links are URL names: this module imports nothing
from the apps it links to."""

from dataclasses import dataclass
from functools import lru_cache

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language, override, pgettext_lazy
from django.utils.translation import gettext_lazy as _

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


def menu_html(actor: StaffContext, path: str) -> str:
    """The menu's markup for this role and page. Every console page shows it, and it depends
    only on the language, the role and which link is current, so each combination is rendered
    once per process (a few ms of reversing and template work saved on every console page)."""
    return _menu_html(get_language(), actor.role, _current_url(actor.role, path))


@lru_cache(maxsize=64)
def _role_menu(language: str | None, role: str) -> tuple[tuple[str, tuple, frozenset], ...]:
    """((group label, ((link label, url), ...), its urls), ...) in `language` for `role`."""
    actor = StaffContext(user=None, merchant=None, role=role)
    with override(language):
        shown = []
        for label, links in GROUPS:
            items = tuple(
                (str(link.label), reverse(link.url_name))
                for link in links
                if actor.can(link.action)
            )
            if items:
                shown.append((str(label), items, frozenset(url for _text, url in items)))
    return tuple(shown)


def _current_url(role: str, path: str) -> str | None:
    """The link the page belongs to: the longest that matches (the import page is "Import
    customers", not "Customers")."""
    matching = [
        url
        for _label, links, _urls in _role_menu(None, role)
        for _text, url in links
        if _is_current(url, path)
    ]
    return max(matching, key=len, default=None)


@lru_cache(maxsize=1024)
def _menu_html(language: str | None, role: str, current: str | None) -> str:
    groups = [
        (label, [ShownLink(text, url, url == current) for text, url in links], current in urls)
        for label, links, urls in _role_menu(language, role)
    ]
    with override(language):
        return render_to_string("merchants/console_nav.html", {"groups": groups})


def _is_current(url: str, path: str) -> bool:
    # The workbench is the console's root: only the root itself is "Today".
    return path == url if url.rstrip("/").count("/") <= 1 else path.startswith(url)
