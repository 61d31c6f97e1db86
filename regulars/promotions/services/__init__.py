"""Writes for coupons: campaigns, handing coupons out (claims, codes, issuing), using them at the
till and on online orders, and flash deals. Callers import this package; the names below are
its interface."""

from .campaigns import (
    MAX_CODES_AT_ONCE,
    MAX_STOCK,
    MONEY_LIMIT,
    CampaignInput,
    save_campaign,
    set_published,
)
from .codes import (
    CODE_CHUNK,
    generate_codes,
    make_codes,
    resume_stalled_batches,
)
from .coupons import (
    IssueResult,
    claim,
    claim_code,
    issue,
    issue_to,
    mark_viewed,
)
from .flash_deals import (
    FlashDealInput,
    create_flash_deal,
)
from .redemption import (
    check_usable,
    discount_for,
    quote_order_coupon,
    redeem_at_till,
    return_from_bill,
    return_from_order,
    use_on_order,
)

__all__ = [
    "CODE_CHUNK",
    "CampaignInput",
    "FlashDealInput",
    "IssueResult",
    "MAX_CODES_AT_ONCE",
    "MAX_STOCK",
    "MONEY_LIMIT",
    "check_usable",
    "claim",
    "claim_code",
    "create_flash_deal",
    "discount_for",
    "generate_codes",
    "issue",
    "issue_to",
    "make_codes",
    "mark_viewed",
    "quote_order_coupon",
    "redeem_at_till",
    "return_from_bill",
    "resume_stalled_batches",
    "return_from_order",
    "save_campaign",
    "set_published",
    "use_on_order",
]
