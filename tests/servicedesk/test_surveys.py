"""Satisfaction surveys after a visit: NPS and CSAT, once, at most weekly."""

import pytest

from regulars.core.errors import DomainError
from regulars.notifications.models import InboxMessage
from regulars.servicedesk import services as desk_services
from regulars.servicedesk.models import Survey
from tests.customers.test_directory import buy_and_use

pytestmark = pytest.mark.django_db


def test_a_visit_brings_a_survey_answered_once(client, salon, consumer):

    buy_and_use(consumer, salon, "s1")
    buy_and_use(consumer, salon, "s2")  # the same week: no second survey
    survey = Survey.objects.get()
    invitation = InboxMessage.objects.get(user=consumer, title__contains="How was your visit")
    assert invitation.link == f"/me/surveys/{survey.pk}/"
    client.force_login(consumer)
    assert client.get(invitation.link).status_code == 200
    bad = client.post(invitation.link, {"recommend": "11", "satisfied": "5"})
    assert bad.status_code == 400
    page = client.get(invitation.link).content.decode()
    assert "洗剪吹: how good was it?" in page  # each service of the visit is scored
    client.post(
        invitation.link, {"recommend": "9", "satisfied": "4", "comment": "很好", "item_0": "5"}
    )
    survey.refresh_from_db()
    assert (survey.recommend, survey.satisfied, survey.comment) == (9, 4, "很好")
    assert survey.item_scores == {"洗剪吹": 5}
    with pytest.raises(DomainError, match="already"):
        desk_services.answer_survey(
            consumer=consumer, survey_id=survey.pk, recommend=1, satisfied=1
        )
    client.force_login(salon[0].user)  # someone else's survey is not theirs to see
    assert client.get(invitation.link).status_code == 404
