"""What each staff role may do. One table, so a review sees every grant at once."""

from dataclasses import dataclass

from regulars.core.errors import PermissionDenied

from .models import Merchant, Role, StaffMember


class Action:
    VIEW_CONSOLE = "view_console"
    MANAGE_STORES = "manage_stores"
    MANAGE_CATALOGUE = "manage_catalogue"
    VIEW_STAFF = "view_staff"
    MANAGE_STAFF = "manage_staff"
    HANDLE_BOOKINGS = "handle_bookings"
    CONFIRM_CONSUMPTION = "confirm_consumption"  # an order's code or a coupon used in the shop
    VIEW_ORDERS = "view_orders"
    REPLY_REVIEWS = "reply_reviews"
    VIEW_SETTLEMENT = "view_settlement"
    MANAGE_CAMPAIGNS = "manage_campaigns"
    VIEW_CAMPAIGNS = "view_campaigns"
    VIEW_CUSTOMERS = "view_customers"
    VIEW_CUSTOMER_CONTACT = "view_customer_contact"  # phone and birthday unmasked
    EDIT_CUSTOMERS = "edit_customers"
    CONFIGURE_CUSTOMERS = "configure_customers"  # value levels and analysis thresholds
    VIEW_REPORTS = "view_reports"
    ASSIGN_CUSTOMERS = "assign_customers"  # reassign account managers, give tasks to others
    VIEW_AUDIT_LOG = "view_audit_log"  # who moved value or changed permissions (owner only)
    DESIGN_CARDS = "design_cards"  # the card program: face, tiers, bonus rules, rewards, printing
    ISSUE_CARDS = "issue_cards"  # give a card, approve an application, reset its password
    ADJUST_CARD_BALANCES = "adjust_card_balances"  # points adjustments, refunds, voids of value
    DECIDE_CARD_TIERS = "decide_card_tiers"  # put a card in a tier by the shop's decision
    USE_TILL = "use_till"  # at the counter: purchases, top-ups, paying by balance or points
    ADD_MANUAL_LINES = (
        "add_manual_lines"  # a bill line typed with its price, not from the catalogue
    )
    REFUND_BILLS = "refund_bills"  # money back on a bill rung up at the counter


ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.OWNER: frozenset(
        {
            Action.VIEW_CONSOLE,
            Action.MANAGE_STORES,
            Action.MANAGE_CATALOGUE,
            Action.VIEW_STAFF,
            Action.MANAGE_STAFF,
            Action.HANDLE_BOOKINGS,
            Action.CONFIRM_CONSUMPTION,
            Action.USE_TILL,
            Action.VIEW_ORDERS,
            Action.REPLY_REVIEWS,
            Action.VIEW_SETTLEMENT,
            Action.MANAGE_CAMPAIGNS,
            Action.VIEW_CAMPAIGNS,
            Action.VIEW_CUSTOMERS,
            Action.VIEW_CUSTOMER_CONTACT,
            Action.EDIT_CUSTOMERS,
            Action.CONFIGURE_CUSTOMERS,
            Action.VIEW_REPORTS,
            Action.ASSIGN_CUSTOMERS,
            Action.VIEW_AUDIT_LOG,
            Action.DESIGN_CARDS,
            Action.ISSUE_CARDS,
            Action.ADJUST_CARD_BALANCES,
            Action.DECIDE_CARD_TIERS,
            Action.ADD_MANUAL_LINES,
            Action.REFUND_BILLS,
        }
    ),
    Role.MANAGER: frozenset(
        {
            Action.VIEW_CONSOLE,
            Action.MANAGE_STORES,
            Action.MANAGE_CATALOGUE,
            Action.VIEW_STAFF,
            Action.HANDLE_BOOKINGS,
            Action.CONFIRM_CONSUMPTION,
            Action.USE_TILL,
            Action.VIEW_ORDERS,
            Action.REPLY_REVIEWS,
            Action.VIEW_SETTLEMENT,
            Action.MANAGE_CAMPAIGNS,
            Action.VIEW_CAMPAIGNS,
            Action.VIEW_CUSTOMERS,
            Action.VIEW_CUSTOMER_CONTACT,
            Action.EDIT_CUSTOMERS,
            Action.CONFIGURE_CUSTOMERS,
            Action.VIEW_REPORTS,
            Action.ASSIGN_CUSTOMERS,
            Action.DESIGN_CARDS,
            Action.ISSUE_CARDS,
            Action.ADJUST_CARD_BALANCES,
            Action.DECIDE_CARD_TIERS,
            Action.ADD_MANUAL_LINES,
            Action.REFUND_BILLS,
        }
    ),
    Role.CASHIER: frozenset(
        {
            Action.VIEW_CONSOLE,
            Action.HANDLE_BOOKINGS,
            Action.CONFIRM_CONSUMPTION,
            Action.USE_TILL,
            Action.VIEW_ORDERS,
            Action.VIEW_CUSTOMERS,
            Action.ISSUE_CARDS,
        }
    ),
    Role.ACCOUNT_MANAGER: frozenset(
        {
            Action.VIEW_CONSOLE,
            Action.HANDLE_BOOKINGS,
            Action.VIEW_ORDERS,
            Action.REPLY_REVIEWS,
            Action.VIEW_CAMPAIGNS,
            Action.VIEW_CUSTOMERS,
            Action.VIEW_CUSTOMER_CONTACT,
            Action.EDIT_CUSTOMERS,
            Action.VIEW_REPORTS,
            Action.ISSUE_CARDS,
        }
    ),
}


@dataclass(frozen=True)
class StaffContext:
    """Who is acting, for which merchant, in which role: taken from their staff role only."""

    user: object
    merchant: Merchant
    role: str

    def can(self, action: str) -> bool:
        return action in ROLE_ACTIONS.get(self.role, frozenset())

    @property
    def role_label(self) -> str:
        return Role(self.role).label

    @property
    def can_manage_stores(self) -> bool:
        return self.can(Action.MANAGE_STORES)

    def require(self, action: str) -> None:
        if not self.can(action):
            raise PermissionDenied()


def staff_context(user, merchant_id: int | None = None) -> StaffContext | None:
    """The signed-in person's active staff role (the chosen merchant, or their first)."""
    if user is None or not user.is_authenticated:
        return None
    staff_roles = StaffMember.objects.select_related("merchant").filter(
        user=user, is_active=True, merchant__is_active=True
    )
    if merchant_id is not None:
        staff_roles = staff_roles.filter(merchant_id=merchant_id)
    staff_member = staff_roles.order_by("created_at", "id").first()
    if staff_member is None:
        return None
    return StaffContext(user=user, merchant=staff_member.merchant, role=staff_member.role)
