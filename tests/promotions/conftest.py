import datetime as dt
from decimal import Decimal

import pytest

from regulars.core import clock
from regulars.promotions import services
from regulars.promotions.services import CampaignInput


def make_campaign(actor, *, publish=True, **fields):
    """A running campaign (started an hour ago, for 30 days) with what the test says."""
    now = clock.now()
    data = CampaignInput(
        name=fields.pop("name", "开业满减"),
        kind=fields.pop("kind", "threshold"),
        valid_from=fields.pop("valid_from", now - dt.timedelta(hours=1)),
        valid_until=fields.pop("valid_until", now + dt.timedelta(days=30)),
        stock=fields.pop("stock", 100),
        amount=Decimal(str(fields.pop("amount", "20"))),
        threshold=Decimal(str(fields.pop("threshold", "100"))),
        **fields,
    )
    campaign = services.save_campaign(actor=actor, data=data)
    if publish:
        campaign = services.set_published(actor=actor, campaign_id=campaign.pk, published=True)
    return campaign


@pytest.fixture
def threshold_campaign(salon):
    return make_campaign(salon[0])
