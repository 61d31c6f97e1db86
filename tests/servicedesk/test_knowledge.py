"""The knowledge base: scripts and answers, searchable, shown beside complaints and calls."""

import pytest

from regulars.core.errors import DomainError, NotFound, PermissionDenied
from regulars.merchants.models import Role
from regulars.merchants.permissions import StaffContext
from regulars.servicedesk import selectors as desk_selectors
from regulars.servicedesk import services as desk_services
from regulars.servicedesk.models import Article

pytestmark = pytest.mark.django_db


def test_articles_are_searched_and_shown_where_they_help(client, salon, owner_b, api_token):
    owner = salon[0]
    waiting = desk_services.save_article(
        actor=owner,
        kind="script",
        title="顾客等太久时怎么说",
        body="先道歉，说明原因，给出补偿：下次免排队。",
        topic="booking",
    )
    desk_services.save_article(
        actor=owner, kind="standard", title="接待标准", body="三米微笑，主动问候。"
    )
    desk_services.save_article(
        actor=owner_b, kind="answer", title="别家的答案", body="不该出现", topic="booking"
    )
    assert [a.title for a in desk_selectors.articles(owner.merchant, q="补偿")] == [waiting.title]
    helps = desk_selectors.articles(owner.merchant, topic="booking")
    assert {a.title for a in helps} == {"顾客等太久时怎么说", "接待标准"}
    assert desk_selectors.articles(owner.merchant, topic="hygiene")[0].title == "接待标准"
    ticket = desk_services.open_ticket(
        merchant=owner.merchant,
        actor=owner,
        channel="staff",
        category="booking",
        subject="排队太久",
        description="等了一小时",
    )
    client.force_login(owner.user)
    page = client.get(f"/console/tickets/{ticket.pk}/").content.decode()
    assert "data-helps" in page and "顾客等太久时怎么说" in page and "别家的答案" not in page
    found = client.get("/api/v1/merchant/knowledge", {"q": "微笑"}, **api_token(owner.user)).json()
    assert [a["title"] for a in found] == ["接待标准"]


def test_bad_articles_and_roles(salon, owner_b):
    owner = salon[0]
    for kwargs, message in (
        ({"kind": "poem"}, "kind of text"),
        ({"title": ""}, "title"),
        ({"body": " "}, "Write the text"),
        ({"topic": "weather"}, "helps with"),
    ):
        values = {"kind": "script", "title": "t", "body": "b", **kwargs}
        with pytest.raises(DomainError, match=message):
            desk_services.save_article(actor=owner, **values)
    cashier = StaffContext(user=owner.user, merchant=owner.merchant, role=Role.CASHIER)
    with pytest.raises(PermissionDenied):
        desk_services.save_article(actor=cashier, kind="script", title="t", body="b")
    mine = desk_services.save_article(actor=owner, kind="script", title="t", body="b")
    with pytest.raises(NotFound):
        desk_services.save_article(
            actor=owner_b, kind="script", title="x", body="y", article_id=mine.pk
        )
    with pytest.raises(NotFound):
        desk_services.delete_article(actor=owner_b, article_id=mine.pk)
    assert Article.objects.get().title == "t"


def test_the_page_adds_edits_and_deletes(client, salon):
    client.force_login(salon[0].user)
    client.post(
        "/console/knowledge/",
        {"kind": "script", "title": "回访话术", "body": "您好，我是……", "topic": "follow_up"},
    )
    article = Article.objects.get()
    client.post(
        f"/console/knowledge/?edit={article.pk}",
        {"kind": "script", "title": "回访话术（新）", "body": "您好", "topic": "follow_up"},
    )
    article.refresh_from_db()
    assert article.title == "回访话术（新）"
    assert "回访话术（新）" in client.get("/console/tasks/").content.decode()  # beside calls
    client.post("/console/knowledge/", {"delete": article.pk})
    assert not Article.objects.exists()
