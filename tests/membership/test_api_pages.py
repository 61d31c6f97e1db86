import datetime as dt
from decimal import Decimal

import pytest

from regulars.core import clock
from regulars.membership import services
from regulars.membership.models import Card, PointsEntry, ValueEntry

pytestmark = pytest.mark.django_db


def test_the_desk_designs_a_card_and_a_consumer_joins_through_the_api(
    client, salon, consumer, api_token
):
    owner = salon[0]
    designed = client.put(
        "/api/v1/merchant/card-program",
        {"title": "鑫安会员卡", "template": "gold", "color": "#aa3300", "published": True},
        content_type="application/json",
        **api_token(owner.user),
    )
    assert designed.status_code == 200, designed.content
    assert [t["name"] for t in designed.json()["tiers"]] == ["普通卡", "银卡", "金卡", "贵宾卡"]
    bad = client.put(
        "/api/v1/merchant/card-program",
        {"title": "x", "color": "red"},
        content_type="application/json",
        **api_token(owner.user),
    )
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "color"

    joined = client.post(f"/api/v1/merchants/{owner.merchant.pk}/cards", **api_token(consumer))
    assert joined.status_code == 201
    card = joined.json()
    again = client.post(f"/api/v1/merchants/{owner.merchant.pk}/cards", **api_token(consumer))
    assert again.status_code == 400 and again.json()["errors"][0]["code"] == "already_member"

    auth = api_token(owner.user)
    bought = client.post(
        "/api/v1/merchant/card-purchases",
        {
            "card_number": card["number"],
            "amount": "120.00",
            "description": "洗剪吹",
            "idempotency_key": "till-1",
        },
        content_type="application/json",
        **auth,
    )
    assert bought.status_code == 201 and bought.json()["points_earned"] == 120
    retried = client.post(
        "/api/v1/merchant/card-purchases",
        {"card_number": card["number"], "amount": "120.00", "idempotency_key": "till-1"},
        content_type="application/json",
        **auth,
    )
    assert retried.json()["id"] == bought.json()["id"]
    topped = client.post(
        f"/api/v1/merchant/cards/{card['id']}/top-ups",
        {"amount": "500", "idempotency_key": "top-1"},
        content_type="application/json",
        **auth,
    )
    assert topped.json()["bonus_delta"] == "50.00"
    no_password = client.post(
        f"/api/v1/merchant/cards/{card['id']}/payments",
        {"amount": "20", "password": "123456", "idempotency_key": "pay-1"},
        content_type="application/json",
        **auth,
    )
    assert (
        no_password.status_code == 400 and no_password.json()["errors"][0]["code"] == "no_password"
    )
    assert (
        client.post(
            f"/api/v1/cards/{card['id']}/password",
            {"password": "258036"},
            content_type="application/json",
            **api_token(consumer),
        ).status_code
        == 204
    )
    paid = client.post(
        f"/api/v1/merchant/cards/{card['id']}/payments",
        {"amount": "20", "password": "258036", "idempotency_key": "pay-2"},
        content_type="application/json",
        **auth,
    )
    assert paid.status_code == 201

    mine = client.get(f"/api/v1/cards/{card['id']}", **api_token(consumer)).json()
    assert mine["card"]["points"] == 120 and mine["card"]["balance"] == "530.00"
    assert {h["kind"] for h in mine["history"]} == {"points", "value", "purchase"}
    owed = client.get("/api/v1/merchant/cards/liability", **auth).json()
    assert owed["total"] == "530.00"


def test_another_merchant_cannot_touch_the_card(client, card, owner_b, api_token):
    auth = api_token(owner_b.user)
    for method, path, body in [
        ("get", f"/api/v1/merchant/cards/{card.pk}", None),
        (
            "post",
            f"/api/v1/merchant/cards/{card.pk}/top-ups",
            {"amount": "10", "idempotency_key": "x"},
        ),
        (
            "post",
            f"/api/v1/merchant/cards/{card.pk}/payments",
            {"amount": "1", "password": "258036", "idempotency_key": "y"},
        ),
        (
            "post",
            "/api/v1/merchant/card-purchases",
            {"card_number": card.number, "amount": "10", "idempotency_key": "z"},
        ),
    ]:
        response = (
            client.post(path, body, content_type="application/json", **auth)
            if method == "post"
            else client.get(path, **auth)
        )
        assert response.status_code in (400, 404), (path, response.status_code)
    assert not ValueEntry.objects.exists() and not PointsEntry.objects.exists()


def test_wallet_and_card_pages(client, card, consumer):
    from regulars.membership import services

    services.top_up(card_id=card.pk, amount="500", idempotency_key="t")
    services.record_purchase(
        card_id=card.pk, amount="88", idempotency_key="p", description="洗剪吹"
    )
    client.force_login(consumer)
    wallet = client.get("/me/cards/").content.decode()
    assert "鑫安会员卡" in wallet
    page = client.get(f"/me/cards/{card.pk}/").content.decode()
    assert "¥550.00" in page and "88" in page and "洗剪吹" in page
    assert "data:image/svg+xml" in page


def test_the_store_page_offers_to_join_and_joining_makes_a_card(client, program, consumer, salon):
    store = salon[1]
    client.force_login(consumer)
    assert "鑫安会员卡" in client.get(f"/stores/{store.pk}/").content.decode()
    response = client.post(f"/cards/join/{program.merchant_id}/")
    card = Card.objects.get(consumer=consumer)
    assert response.status_code == 302 and response["Location"] == f"/me/cards/{card.pk}/"


def test_the_till_page_records_a_purchase_once_even_if_submitted_twice(client, card, salon):
    owner = salon[0]
    client.force_login(owner.user)
    page = client.get(f"/console/members/{card.pk}/").content.decode()
    import re

    key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
    body = {"action": "purchase", "amount": "66", "description": "洗吹", "idempotency_key": key}
    assert client.post(f"/console/members/{card.pk}/", body).status_code == 302
    assert client.post(f"/console/members/{card.pk}/", body).status_code == 302
    card.refresh_from_db()
    assert card.points == 66 and card.purchases.count() == 1
    wrong = client.post(
        f"/console/members/{card.pk}/",
        {"action": "pay", "amount": "5", "password": "000000", "idempotency_key": "k2"},
    )
    assert wrong.status_code == 400 and "Wrong consumption password" in wrong.content.decode()
    found = client.get("/console/members/find/", {"number": card.number})
    assert found["Location"] == f"/console/members/{card.pk}/"


def test_the_merchant_edits_tiers_and_top_up_rules(client, program, salon, api_token):
    from regulars.membership import services
    from regulars.membership.models import Tier
    from tests.conftest import make_person

    owner = salon[0]
    auth = api_token(owner.user)
    silver = Tier.objects.get(program=program, rank=2)
    changed = client.put(
        f"/api/v1/merchant/card-program/tiers/{silver.pk}",
        {
            "name": "银卡",
            "points_per_yuan": "1.5",
            "qualify_spend": "1000",
            "qualify_days": 90,
            "benefits": "免费停车2小时",
        },
        content_type="application/json",
        **auth,
    )
    assert changed.status_code == 200 and changed.json()["qualify_spend"] == "1000.00"
    bad = client.put(
        f"/api/v1/merchant/card-program/tiers/{silver.pk}",
        {"name": "银卡", "discount_percent": "120"},
        content_type="application/json",
        **auth,
    )
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "discount_percent"
    rules = client.put(
        "/api/v1/merchant/card-program/topup-rules",
        [{"pay": "300", "bonus": "20"}, {"pay": "1000", "bonus": "150"}],
        content_type="application/json",
        **auth,
    )
    assert rules.status_code == 200 and len(rules.json()) == 2
    card = services.apply_for_card(
        consumer=make_person("13800000111"), merchant_id=program.merchant_id
    )
    entry = services.top_up(card_id=card.pk, amount="1200", idempotency_key="t")
    assert str(entry.bonus_delta) == "150.00"
    services.record_purchase(card_id=card.pk, amount="1000", idempotency_key="p")
    card.refresh_from_db()
    assert card.tier.name == "银卡"


def test_the_tier_page_saves_one_tier_and_refuses_bad_input(client, program, salon):
    from regulars.membership.models import Tier

    owner = salon[0]
    client.force_login(owner.user)
    gold = Tier.objects.get(program=program, rank=3)
    fields = {
        "tier": gold.pk,
        f"t{gold.pk}-name": "金卡",
        f"t{gold.pk}-discount_percent": "8",
        f"t{gold.pk}-points_per_yuan": "1.5",
        f"t{gold.pk}-qualify_spend": "8000",
        f"t{gold.pk}-qualify_days": "365",
    }
    assert client.post("/console/card/tiers/", fields).status_code == 302
    gold.refresh_from_db()
    assert str(gold.discount_percent) == "8.00" and str(gold.qualify_spend) == "8000.00"
    refused = client.post("/console/card/tiers/", {**fields, f"t{gold.pk}-discount_percent": "150"})
    assert refused.status_code == 400
    gold.refresh_from_db()
    assert str(gold.discount_percent) == "8.00"


def test_the_shop_clears_a_forgotten_password(client, card, salon, consumer):
    owner = salon[0]
    client.force_login(owner.user)
    assert client.post(f"/console/members/{card.pk}/reset-password/").status_code == 302
    card.refresh_from_db()
    assert card.password_hash == ""
    from regulars.membership import services

    services.set_password(consumer=consumer, card_id=card.pk, password="369258")


def test_the_designer_takes_a_logo_and_a_background_and_refuses_a_text_file(client, salon):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from regulars.membership.models import CardProgram
    from tests.conftest import image_upload

    owner = salon[0]
    client.force_login(owner.user)
    form = {
        "title": "鑫安会员卡",
        "template": "classic",
        "color": "#e8572a",
        "text_color": "#ffffff",
        "points_per_yuan_off": 100,
        "min_redeem_points": 200,
        "max_redeem_percent": 30,
        "published": "on",
    }
    bad = client.post(
        "/console/card/",
        {**form, "logo": SimpleUploadedFile("logo.png", b"text", content_type="image/png")},
    )
    assert bad.status_code == 400 and not CardProgram.objects.exists()
    ok = client.post(
        "/console/card/",
        {
            **form,
            "logo": image_upload(size=(400, 400)),
            "background": image_upload("JPEG", name="bg.jpg"),
        },
    )
    assert ok.status_code == 302
    program = CardProgram.objects.get()
    assert program.logo.name.endswith(".png") and program.background.name.endswith(".jpg")
    assert (program.min_redeem_points, program.max_redeem_percent) == (200, 30)
    # The designer's picture of the saved card carries the logo (top right) on the background.
    import io

    from PIL import Image

    face = Image.open(io.BytesIO(client.get("/console/card/face.png").content)).convert("RGB")
    assert face.getpixel((856 - 48 - 56, 48 + 56)) == (200, 80, 40)
    assert face.getpixel((428, 300)) != (0xE8, 0x57, 0x2A)  # the photo, not the plain colour


def test_physical_cards_print_as_a_pdf_and_a_handed_out_one_keeps_its_number(
    client, program, salon
):
    from regulars.core import codes
    from regulars.membership import services
    from regulars.membership.models import Card, PrintedCard

    owner = salon[0]
    client.force_login(owner.user)
    assert client.post("/console/card/printed/", {"count": 12}).status_code == 302
    assert client.post("/console/card/printed/", {"count": 5000}).status_code == 400
    numbers = list(PrintedCard.objects.values_list("number", flat=True))
    assert len(numbers) == 12 and all(codes.is_well_formed(n) for n in numbers)
    pdf = client.get("/console/card/printed/1.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert (
        pdf.content.count(b"/Type /Page\n") + pdf.content.count(b"/Type /Page ") >= 2
    )  # 8 per page

    card = services.issue_card(
        actor=owner, phone="13700000123", printed_number=codes.grouped(numbers[0])
    )
    assert card.number == numbers[0]
    assert PrintedCard.objects.get(number=numbers[0]).card == card
    from regulars.core.errors import DomainError

    with pytest.raises(DomainError, match="No unused printed card"):
        services.issue_card(actor=owner, phone="13700000124", printed_number=numbers[0])
    assert Card.objects.count() == 1


def test_refunds_at_the_desk_return_paid_in_money_only_and_need_a_manager(
    client, card, salon, api_token
):
    from regulars.membership import services
    from regulars.merchants.models import Role, StaffMember
    from tests.conftest import make_person

    owner = salon[0]
    services.top_up(card_id=card.pk, amount="500", idempotency_key="t")
    auth = api_token(owner.user)
    too_much = client.post(
        f"/api/v1/merchant/cards/{card.pk}/refunds",
        {"amount": "520", "idempotency_key": "r1"},
        content_type="application/json",
        **auth,
    )
    assert (
        too_much.status_code == 400
        and too_much.json()["errors"][0]["code"] == "insufficient_principal"
    )
    ok = client.post(
        f"/api/v1/merchant/cards/{card.pk}/refunds",
        {"amount": "500", "idempotency_key": "r2"},
        content_type="application/json",
        **auth,
    )
    assert ok.status_code == 201
    card.refresh_from_db()
    assert (str(card.principal), str(card.bonus)) == (
        "0.00",
        "0.00",
    )  # the ¥50 bonus went back with the ¥500
    cashier = make_person("13700000131")
    StaffMember.objects.create(merchant=owner.merchant, user=cashier, role=Role.CASHIER)
    refused = client.post(
        f"/api/v1/merchant/cards/{card.pk}/refunds",
        {"amount": "1", "idempotency_key": "r3"},
        content_type="application/json",
        **api_token(cashier),
    )
    assert refused.status_code == 403


def test_a_pending_application_is_approved_on_the_member_page(client, program, salon):
    from regulars.membership import services
    from regulars.membership.models import Card
    from tests.conftest import make_person

    program.auto_approve = False
    program.save()
    card = services.apply_for_card(
        consumer=make_person("13800000141"), merchant_id=program.merchant_id
    )
    assert card.status == "pending"
    client.force_login(salon[0].user)
    assert client.post(f"/console/members/{card.pk}/approve/").status_code == 302
    assert Card.objects.get(pk=card.pk).status == "active"


def test_the_till_page_refunds_paid_in_money(client, card, salon):
    owner = salon[0]
    services.top_up(card_id=card.pk, amount="500", idempotency_key="fund")  # ¥500 + ¥50 bonus
    client.force_login(owner.user)
    done = client.post(
        f"/console/members/{card.pk}/",
        {"action": "refund", "amount": "120", "idempotency_key": "refund-1"},
    )
    assert done.status_code == 302
    card.refresh_from_db()
    assert (card.principal, card.bonus, card.points) == (Decimal("380.00"), Decimal("38.00"), 0)
    page = client.get(done["Location"]).content.decode()
    assert "Refunded ¥120.00 of paid-in money; ¥12.00 of bonus went with it." in page


def test_a_tier_by_decision_is_given_with_a_reason_audited_and_kept(client, card, salon, api_token):
    from regulars.audit.models import AuditEvent
    from regulars.membership.models import Card, Tier, TierDecision
    from regulars.merchants.models import Role, StaffMember
    from tests.conftest import make_person

    owner = salon[0]
    program_tiers = list(Tier.objects.filter(program=card.program).order_by("rank"))
    vip = next(t for t in program_tiers if not t.automatic and t.rank > 1)
    gold = next(t for t in program_tiers if t.automatic)
    auth = api_token(owner.user)
    url = f"/api/v1/merchant/cards/{card.pk}/tier"
    no_reason = client.post(
        url, {"tier_id": vip.pk, "reason": " "}, content_type="application/json", **auth
    )
    assert no_reason.status_code == 400
    given = client.post(
        url, {"tier_id": vip.pk, "reason": "十年老客"}, content_type="application/json", **auth
    )
    assert given.status_code == 201 and given.json()["to_tier"] == vip.name
    card.refresh_from_db()
    assert card.tier_id == vip.pk
    line = AuditEvent.objects.get(action="card.tier")
    assert "十年老客" in line.summary and line.actor_id == owner.user.pk
    # A cashier may not; the page shows the decision on the card's history.
    cashier = make_person("13700000555")
    StaffMember.objects.create(merchant=owner.merchant, user=cashier, role=Role.CASHIER)
    refused = client.post(
        url,
        {"tier_id": gold.pk, "reason": "x"},
        content_type="application/json",
        **api_token(cashier),
    )
    assert refused.status_code == 403
    client.force_login(owner.user)
    page = client.get(f"/console/members/{card.pk}/").content.decode()
    assert "data-tier-decision" in page and "十年老客" in page and "data-set-tier" in page
    # Given gold by decision, the periodic review leaves it there without the spending.
    client.post(f"/console/members/{card.pk}/tier/", {"tier": gold.pk, "reason": "补偿投诉"})
    card.refresh_from_db()
    assert card.tier_id == gold.pk and TierDecision.objects.filter(card=card).count() == 2

    services.review_tiers(now=clock.now() + dt.timedelta(days=900))
    assert Card.objects.get(pk=card.pk).tier_id == gold.pk
