"""The row locks promotions takes, in one place so that concurrency is visible in review.

* A person's claims are serialised by locking their user row: the per-customer limit is counted
  and a coupon added under that lock. Different people never wait for each other.
* A campaign row is locked only for the merchant's own bulk actions (issuing to an audience,
  generating codes, editing). Claims never lock it: they take stock with one conditional UPDATE.
"""

from django.contrib.auth import get_user_model

from regulars.core.errors import NotFound

from .models import Campaign


def lock_person(user_id: int) -> None:
    get_user_model().objects.select_for_update().filter(pk=user_id).first()


def lock_campaign(campaign_id: int, *, merchant_id: int) -> Campaign:
    campaign = (
        Campaign.objects.select_for_update().filter(pk=campaign_id, merchant_id=merchant_id).first()
    )
    if campaign is None:
        raise NotFound()
    return campaign
