import pytest

from regulars.membership import services
from regulars.membership.models import Tier
from tests.conftest import make_person


@pytest.fixture
def program(salon):
    owner = salon[0]
    return services.design_program(actor=owner, title="鑫安会员卡", published=True)


@pytest.fixture
def card(program, consumer):
    card = services.apply_for_card(consumer=consumer, merchant_id=program.merchant_id)
    services.set_password(consumer=consumer, card_id=card.pk, password="258036")
    return card


@pytest.fixture
def vip_card(program):
    other = make_person("13800000099", "贵宾")
    card = services.apply_for_card(consumer=other, merchant_id=program.merchant_id)
    card.tier = Tier.objects.get(program=program, rank=4)
    card.save()
    return card
