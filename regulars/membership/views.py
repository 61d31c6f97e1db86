"""Pages for member cards: the consumer's wallet and the merchant's card design and members."""

import secrets
from contextlib import suppress
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from regulars.core import codes
from regulars.core.boundary import business_day
from regulars.core.errors import DomainError, NotFound
from regulars.core.forms import submit
from regulars.core.images import read_image
from regulars.core.sheets import codes_pdf
from regulars.merchants import selectors as merchant_selectors
from regulars.merchants.permissions import Action
from regulars.merchants.web import console_view
from regulars.orders import prepaid

from . import card_image as card_image_module
from . import selectors, services
from .forms import (
    ExchangeForm,
    IssueForm,
    PasswordForm,
    PayOrderForm,
    PrintForm,
    ProgramForm,
    RewardForm,
    TierForm,
    TillForm,
    TopUpForm,
    TopUpRulesForm,
)
from .models import Card, Purchase, ValueEntry, ValueKind


def _found(fetch):
    try:
        return fetch()
    except NotFound:
        raise Http404() from None


@login_required
@require_POST
def join(request, merchant_id: int):
    try:
        card = services.apply_for_card(consumer=request.user, merchant_id=merchant_id)
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("membership:wallet")
    messages.success(request, _("Welcome! Your member card is ready."))
    return redirect("membership:card", card_id=card.pk)


@login_required
def wallet(request):
    return render(request, "membership/wallet.html", {"cards": selectors.wallet(request.user)})


@login_required
@require_POST
def top_up_online(request, card_id: int):
    found = _found(lambda: selectors.consumer_card(request.user, card_id))
    form = TopUpForm(request.POST)
    pay_url = submit(
        request,
        form,
        lambda data: services.start_online_top_up(
            consumer=request.user, card_id=found.pk, amount=data["amount"]
        ),
    )
    if pay_url:
        return redirect(pay_url)
    messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("membership:card", card_id=found.pk)


@login_required
def card(request, card_id: int):
    found = _found(lambda: selectors.consumer_card(request.user, card_id))
    form = PasswordForm(request.POST or None)
    if submit(
        request,
        form,
        lambda data: services.set_password(
            consumer=request.user,
            card_id=found.pk,
            password=data["password"],
            current=data["current"],
        ),
    ):
        messages.success(request, _("Consumption password saved."))
        return redirect("membership:card", card_id=found.pk)
    return render(
        request,
        "membership/card.html",
        {
            "view": selectors.card_view(found),
            "qr": codes.qr_svg_data_uri(found.number),
            "number": codes.grouped(found.number),
            "form": form,
            "topup_form": TopUpForm(),
            "bonus_rules": list(found.program.topup_rules.all()),
            "rewards": selectors.rewards(found.program_id),
        },
        status=400 if form.errors else 200,
    )


def _png(data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type="image/png")
    response["Cache-Control"] = "private, max-age=300"
    return response


@login_required
def card_image(request, card_id: int):
    """The card face as a picture for the phone (it can be saved to the photo album)."""
    found = _found(lambda: selectors.consumer_card(request.user, card_id))
    return _png(
        card_image_module.render(
            found.program,
            tier_name=found.tier.name,
            number=found.number,
            holder=str(found.consumer),
        )
    )


PREVIEW_PICTURE_BYTES = 5 * 1024 * 1024
SAMPLE_NUMBER = "000000000000"
FACE_FIELDS = ("title", "subtitle", "template", "color", "text_color")


@console_view(Action.DESIGN_CARDS)
@require_http_methods(["GET", "POST"])
def design_preview(request, actor):
    """The card as the form now describes it (POSTed as the merchant types, with any picture
    chosen; or in the query), drawn exactly as the saved card will be."""
    data = request.POST if request.method == "POST" else request.GET
    program = selectors.unsaved_program(actor.merchant, data)
    pictures = {}
    for name in ("logo", "background"):
        upload = request.FILES.get(name)
        if upload is not None:
            # A bad file: the save will say what is wrong with it; the preview draws without it.
            with suppress(DomainError):
                pictures[name] = read_image(upload, PREVIEW_PICTURE_BYTES)[0]
    response = _png(
        card_image_module.render(
            program,
            tier_name=selectors.sample_tier_name(selectors.program_of(actor.merchant)),
            number=SAMPLE_NUMBER,
            **pictures,
        )
    )
    response["Cache-Control"] = "no-store"
    return response


@console_view(Action.DESIGN_CARDS)
def design_image(request, actor):
    """The published face as customers' phones show it, with a sample number."""
    program = selectors.program_of(actor.merchant)
    if program is None:
        raise Http404()
    return _png(
        card_image_module.render(
            program, tier_name=selectors.sample_tier_name(program), number=SAMPLE_NUMBER
        )
    )


@login_required
@require_POST
def exchange(request, card_id: int, reward_id: int):
    """Points for a service: an order paid with points, used in the shop like any other."""
    found = _found(lambda: selectors.consumer_card(request.user, card_id))
    form = ExchangeForm(request.POST)
    order = submit(
        request,
        form,
        lambda data: services.exchange_reward(
            consumer=request.user,
            reward_id=reward_id,
            password=data["password"],
            merchant_id=found.merchant_id,
        ),
    )
    if order:
        messages.success(request, _("Exchanged: show the code in the shop."))
        return redirect("orders:my_order", order_id=order.pk)
    messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("membership:card", card_id=found.pk)


@login_required
def pay_order(request, order_id: int):
    """Pay an order from the member card, with the consumption password."""
    from regulars.orders.selectors import consumer_order

    order = _found(lambda: consumer_order(request.user, order_id))
    form = PayOrderForm(request.POST or None)
    if submit(
        request,
        form,
        lambda data: services.pay_order(
            consumer=request.user, order_id=order.pk, password=data["password"]
        ),
    ):
        messages.success(request, _("Paid from your member card."))
        return redirect("orders:my_order", order_id=order.pk)
    return render(
        request,
        "membership/pay_order.html",
        {"order": order, "form": form},
        status=400 if form.errors else 200,
    )


# ---- merchant ------------------------------------------------------------------------------


@console_view(Action.DESIGN_CARDS)
def design(request, actor):
    program = selectors.program_of(actor.merchant)
    initial = (
        {
            **{
                f: getattr(program, f)
                for f in ProgramForm.base_fields
                if f not in ("logo", "background", "excluded_items")
            },
            "excluded_items": [
                str(pk) for pk in program.excluded_items.values_list("pk", flat=True)
            ],
        }
        if program
        else {
            "title": f"{actor.merchant.name}会员卡",
            "min_redeem_points": 100,
            "max_redeem_percent": 50,
            "template": "classic",
            "color": "#e8572a",
            "text_color": "#ffffff",
            "points_per_yuan_off": 100,
            "auto_approve": True,
        }
    )
    form = ProgramForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        items=merchant_selectors.merchant_items(actor.merchant),
    )
    if submit(
        request,
        form,
        lambda data: services.design_program(
            actor=actor,
            **{
                **data,
                "logo": data.get("logo") or None,
                "background": data.get("background") or None,
            },
        ),
    ):
        messages.success(request, _("Card saved."))
        return redirect("cards_console:design")
    return render(
        request,
        "membership/design.html",
        {
            "actor": actor,
            "form": form,
            "program": program,
            "preview_query": urlencode(
                {f: getattr(program, f) if program else initial.get(f, "") for f in FACE_FIELDS}
            ),
        },
        status=400 if form.errors else 200,
    )


@console_view(Action.DESIGN_CARDS)
def printed_cards(request, actor):
    """Physical cards: reserve a batch of numbers, download its printable PDF."""
    form = PrintForm(request.POST or None)
    batch = submit(
        request, form, lambda data: services.print_cards(actor=actor, count=data["count"])
    )
    if batch:
        messages.success(request, _("Batch %(n)d is ready to print.") % {"n": batch})
        return redirect("cards_console:printed")
    return render(
        request,
        "membership/printed.html",
        {"actor": actor, "form": form, "batches": selectors.printed_batches(actor.merchant)},
        status=400 if form.errors else 200,
    )


@console_view(Action.DESIGN_CARDS)
def printed_pdf(request, actor, batch: int):
    numbers = _found(lambda: selectors.batch_numbers(actor.merchant, batch))
    program = selectors.program_of(actor.merchant)
    response = HttpResponse(
        codes_pdf(title=program.title, color=program.color, codes=numbers),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = f'attachment; filename="member-cards-batch-{batch}.pdf"'
    return response


@console_view(Action.DESIGN_CARDS)
def tiers(request, actor):
    program = selectors.program_of(actor.merchant)
    if program is None:
        return redirect("cards_console:design")
    forms_by_tier = {
        tier.pk: TierForm(
            request.POST if request.POST.get("tier") == str(tier.pk) else None,
            prefix=f"t{tier.pk}",
            initial={f: getattr(tier, f) for f in TierForm.base_fields},
        )
        for tier in program.tiers.all()
    }
    rules_initial = {}
    for n, rule in enumerate(program.topup_rules.all()[: TopUpRulesForm.ROWS]):
        rules_initial.update({f"pay_{n}": rule.pay, f"bonus_{n}": rule.bonus})
    rules_form = TopUpRulesForm(
        request.POST if request.POST.get("rules") else None, initial=rules_initial
    )
    reward_form = RewardForm(
        request.POST if request.POST.get("reward") else None,
        items=merchant_selectors.merchant_items(actor.merchant),
    )
    if request.method == "POST":
        tier_id = request.POST.get("tier")
        if tier_id and tier_id.isdigit() and int(tier_id) in forms_by_tier:
            form = forms_by_tier[int(tier_id)]
            if submit(
                request,
                form,
                lambda data: services.update_tier(actor=actor, tier_id=int(tier_id), **data),
            ):
                messages.success(request, _("Saved."))
                return redirect("cards_console:tiers")
        elif (
            request.POST.get("rules")
            and submit(
                request,
                rules_form,
                lambda data: services.set_topup_rules(actor=actor, rules=rules_form.rules()),
            )
            or request.POST.get("reward")
            and submit(
                request,
                reward_form,
                lambda data: services.set_reward(
                    actor=actor, item_id=data["item"], points=data["points"]
                ),
            )
        ):
            messages.success(request, _("Saved."))
            return redirect("cards_console:tiers")
    return render(
        request,
        "membership/tiers.html",
        {
            "actor": actor,
            "tier_forms": [(tier, forms_by_tier[tier.pk]) for tier in program.tiers.all()],
            "rules_form": rules_form,
            "reward_form": reward_form,
            "rewards": selectors.rewards(program.pk),
        },
        status=400 if request.method == "POST" else 200,
    )


@console_view(Action.ISSUE_CARDS)
@require_POST
def approve(request, actor, card_id: int):
    try:
        services.approve_card(actor=actor, card_id=card_id)
    except NotFound:
        raise Http404() from None
    messages.success(request, _("Card approved."))
    return redirect("cards_console:member", card_id=card_id)


@console_view(Action.DECIDE_CARD_TIERS, owns={"card_id": Card})
@require_POST
def set_tier(request, actor, card_id: int):
    """The member page's "Change tier" form."""
    try:
        tier_id = int(request.POST.get("tier", ""))
    except ValueError:
        tier_id = 0
    try:
        decision = services.set_card_tier(
            actor=actor,
            card_id=card_id,
            tier_id=tier_id,
            reason=request.POST.get("reason", ""),
            until=business_day(request.POST.get("until")),
        )
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The card is now %(tier)s.") % {"tier": decision.to_tier.name})
    return redirect("cards_console:member", card_id=card_id)


@console_view(Action.ISSUE_CARDS, owns={"card_id": Card})
@require_POST
def reset_password(request, actor, card_id: int):
    try:
        services.reset_password(actor=actor, card_id=card_id)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(
            request, _("The password was cleared: the customer sets a new one on their phone.")
        )
    return redirect("cards_console:member", card_id=card_id)


@console_view(Action.VIEW_ORDERS)
def members(request, actor):
    form = IssueForm(request.POST or None)
    issued = submit(
        request, form, lambda data: services.issue_card(actor=actor, phone=data["phone"])
    )
    if issued:
        messages.success(
            request, _("Card %(number)s issued.") % {"number": codes.grouped(issued.number)}
        )
        return redirect("cards_console:member", card_id=issued.pk)
    query = request.GET.get("q", "").strip()
    return render(
        request,
        "membership/members.html",
        {
            "actor": actor,
            "form": form,
            "query": query,
            "cards": selectors.members(
                actor.merchant, query, partial_phone=actor.can(Action.VIEW_CUSTOMER_CONTACT)
            ),
            "tiers": selectors.tier_distribution(actor.merchant),
            "liability": selectors.liability(actor.merchant),
            "prepaid": prepaid.owed_besides_stored_value(actor.merchant),
            "program": selectors.program_of(actor.merchant),
        },
        status=400 if form.errors else 200,
    )


def _till(actor, card, data):
    key = data["idempotency_key"]
    action = data["action"]
    if action == "purchase":
        return services.till_record_purchase(
            actor=actor,
            number=card.number,
            amount=data["amount"],
            idempotency_key=key,
            description=data["description"],
            apply_member_price=data["apply_member_price"],
        )
    if action == "top_up":
        return services.till_top_up(
            actor=actor, card_id=card.pk, amount=data["amount"], idempotency_key=key
        )
    if action == "pay":
        return services.till_spend(
            actor=actor,
            card_id=card.pk,
            amount=data["amount"],
            password=data["password"],
            idempotency_key=key,
            reason=data["description"],
            apply_member_price=data["apply_member_price"],
        )
    if action == "points":
        return services.till_spend_points(
            actor=actor,
            card_id=card.pk,
            points=data["points"] or 0,
            password=data["password"],
            idempotency_key=key,
            bill=data["amount"],
        )
    if action == "reward":
        return services.till_redeem_reward(
            actor=actor,
            card_id=card.pk,
            reward_id=data["reward"],
            password=data["password"],
            idempotency_key=key,
        )
    if action == "refund":
        return services.till_refund(
            actor=actor, card_id=card.pk, amount=data["amount"], idempotency_key=key
        )
    return services.adjust_points(
        actor=actor,
        card_id=card.pk,
        delta=data["points"] or 0,
        reason=data["reason"],
        idempotency_key=key,
    )


@console_view(Action.VIEW_ORDERS)
def member(request, actor, card_id: int):
    found = _found(lambda: selectors.merchant_card(actor.merchant, card_id))
    form = TillForm(
        request.POST or None,
        initial={"idempotency_key": secrets.token_urlsafe(12)},
        rewards=selectors.rewards(found.program_id),
        member_price_label=selectors.member_price_label(found),
    )
    if done := submit(request, form, lambda data: _till(actor, found, data)):
        if isinstance(done, ValueEntry) and done.kind == ValueKind.REFUND:
            messages.success(
                request,
                _("Refunded ¥%(paid_in)s of paid-in money; ¥%(bonus)s of bonus went with it.")
                % {"paid_in": -done.principal_delta, "bonus": -done.bonus_delta},
            )
        else:
            messages.success(request, _("Done."))
        return redirect("cards_console:member", card_id=found.pk)
    return render(
        request,
        "membership/member.html",
        {
            "actor": actor,
            "view": selectors.card_view(found),
            "form": form,
            "number": codes.grouped(found.number),
            "actions": [
                (value, label)
                for value, label in TillForm.ACTIONS
                if value != "reward" or form.fields["reward"].choices
            ],
            "can_adjust": actor.can(Action.ADJUST_CARD_BALANCES),
            "member_price_label": selectors.member_price_label(found),
            "tiers": selectors.program_tiers(found.program_id),
        },
        status=400 if form.errors else 200,
    )


@console_view(Action.USE_TILL)
def find(request, actor):
    """The till's entry point: scan or type a card number."""
    number = request.GET.get("number", "")
    if number:
        try:
            found = services.staff_card(actor, number=number)
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            return redirect("cards_console:member", card_id=found.pk)
    return redirect("cards_console:members")


@console_view(Action.USE_TILL, owns={"purchase_id": Purchase})
@require_POST
def void_purchase(request, actor, purchase_id: int):
    try:
        services.void_purchase(
            actor=actor, purchase_id=purchase_id, idempotency_key=f"void-{purchase_id}"
        )
    except (DomainError, NotFound) as error:
        messages.error(request, str(getattr(error, "message", "")) or _("Not found."))
    else:
        messages.success(request, _("Voided: compensating entries were added."))
    card_id = request.POST.get("card", "")
    return (
        redirect("cards_console:member", card_id=int(card_id))
        if card_id.isdigit()
        else redirect("cards_console:members")
    )
