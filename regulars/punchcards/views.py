"""Punch cards in the console (plans, a card scanned and used) and in the consumer's wallet."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from regulars.core import clock
from regulars.core.errors import DomainError, NotFound
from regulars.core.forms import submit
from regulars.merchants.models import CatalogItem
from regulars.merchants.permissions import Action
from regulars.merchants.web import console_view

from . import selectors, services
from .forms import PlanForm, UseForm


def _whole_number(raw) -> int:
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 10 else 0  # 0: matches nothing: refused


def _items(merchant):
    return list(
        CatalogItem.objects.filter(merchant=merchant, is_active=True).order_by("store_id", "id")
    )


@console_view(Action.VIEW_CONSOLE)
def plans(request, actor):
    """The shop's punch-card plans, and a new one (owners and managers)."""
    form = PlanForm(request.POST or None, items=_items(actor.merchant))
    if request.method == "POST":
        actor.require(Action.MANAGE_CATALOGUE)
        saved = submit(
            request,
            form,
            lambda data: services.save_plan(actor=actor, data=services.PlanInput(**data)),
        )
        if saved:
            messages.success(request, _("Saved."))
            return redirect("punchcards:plans")
    return render(
        request,
        "punchcards/plans.html",
        {
            "actor": actor,
            "plans": selectors.plans_of(actor.merchant),
            "owed": selectors.liability(actor.merchant),
            "form": form,
            "may_edit": actor.can(Action.MANAGE_CATALOGUE),
        },
        status=400 if form.errors else 200,
    )


@console_view(Action.USE_TILL)
def use(request, actor):
    """Scan or type a customer's punch card, see what is left, take one use for a service."""
    typed = (request.GET.get("number") or request.POST.get("number") or "").strip()
    card, problem = None, None
    if typed:
        card = selectors.card_at_till(actor.merchant, typed)
        if card is None:
            problem = _("No punch card of this shop has this number.")
    if request.method == "POST" and card is not None:
        try:
            services.use(
                actor=actor,
                number=card.number,
                item_id=_whole_number(request.POST.get("item_id")),
                idempotency_key=request.POST.get("key", ""),
            )
        except DomainError as error:
            problem = str(error.message)
        else:
            messages.success(request, _("One use taken."))
            return redirect(f"{request.path}?number={card.number}")
    return render(
        request,
        "punchcards/use.html",
        {
            "actor": actor,
            "form": UseForm(initial={"number": typed}),
            "card": card,
            "problem": problem,
            "key": uuid.uuid4().hex,
            "refund_value": card.unused_value(clock.now()) if card else None,
            "may_refund": actor.can(Action.REFUND_BILLS),
        },
        status=400 if problem and request.method == "POST" else 200,
    )


@console_view(Action.REFUND_BILLS)
def refund(request, actor, card_id: int):
    """Give back the unused part of a card, from the card's page at the counter."""
    card = selectors.held_card(actor.merchant, card_id)
    if request.method == "POST":
        try:
            entry = services.refund_card(
                actor=actor,
                card_id=card.pk,
                reason=request.POST.get("reason", ""),
                idempotency_key=request.POST.get("key", ""),
            )
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("¥%(amount)s given back.") % {"amount": entry.amount})
    return redirect(f"{reverse('punchcards:use')}?number={card.number}")


@login_required
def buy(request, plan_id: int):
    """Pay for a punch card online: to the payment provider, back to the wallet once paid."""
    if request.method != "POST":
        return redirect("wallet:punch_cards")
    try:
        url = services.start_online_purchase(consumer=request.user, plan_id=plan_id)
    except DomainError as error:
        if isinstance(error, NotFound):
            raise Http404 from None
        messages.error(request, str(error.message))
        return redirect("wallet:punch_cards")
    return redirect(url)


@login_required
def wallet(request):
    """The consumer's punch cards; a transferable one can be given to someone else here."""
    problem = None
    if request.method == "POST":
        try:
            services.transfer(
                consumer=request.user,
                card_id=_whole_number(request.POST.get("card_id")),
                to_phone=request.POST.get("to_phone", ""),
                idempotency_key=request.POST.get("key", ""),
            )
        except NotFound:
            raise Http404 from None
        except DomainError as error:
            problem = str(error.message)
        else:
            messages.success(request, _("The card is theirs now."))
            return redirect("wallet:punch_cards")
    return render(
        request,
        "punchcards/wallet.html",
        {
            "cards": selectors.my_cards(request.user),
            "problem": problem,
            "key": uuid.uuid4().hex,
        },
        status=400 if problem else 200,
    )
