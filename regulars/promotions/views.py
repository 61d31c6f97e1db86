"""Pages for coupons: the consumer's coupons and claims; the merchant's campaigns, their effect,
codes and the till."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from regulars.core import clock, codes, csvfile
from regulars.core.errors import DomainError, NotFound
from regulars.core.forms import submit
from regulars.core.sheets import codes_pdf
from regulars.membership import selectors as card_selectors
from regulars.merchants import selectors as merchant_selectors
from regulars.merchants.permissions import Action
from regulars.merchants.web import console_view
from regulars.promotions.errors import Problem

from . import audiences, selectors, services
from .forms import CampaignForm, ClaimCodeForm, CodesForm, FlashDealForm, RedeemForm
from .models import Campaign

PDF_SHEET_LIMIT = 2000


def _found(fetch):
    try:
        return fetch()
    except NotFound:
        raise Http404() from None


# ---- consumers ---------------------------------------------------------------------------


@login_required
@require_POST
def claim(request, campaign_id: int):
    try:
        coupon = services.claim(consumer=request.user, campaign_id=campaign_id)
    except NotFound:
        raise Http404() from None
    except DomainError as error:
        messages.error(request, str(error.message))
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = "promotions:mine"
        return redirect(back or "promotions:mine")
    messages.success(request, _("Coupon claimed: it is in My coupons."))
    return redirect("promotions:coupon", coupon_id=coupon.pk)


@login_required
def my_coupons(request):
    form = ClaimCodeForm(request.POST or None)
    coupon = submit(
        request, form, lambda data: services.claim_code(consumer=request.user, code=data["code"])
    )
    if coupon:
        messages.success(request, _("Coupon claimed: it is in My coupons."))
        return redirect("promotions:coupon", coupon_id=coupon.pk)
    return render(
        request,
        "promotions/my_coupons.html",
        {"coupons": selectors.my_coupons(request.user), "form": form, "now": clock.now()},
        status=400 if form.errors else 200,
    )


@login_required
def coupon(request, coupon_id: int):
    """Opening a coupon counts as viewing it (the campaign's funnel)."""
    found = _found(lambda: services.mark_viewed(consumer=request.user, coupon_id=coupon_id))
    found = selectors.my_coupon(request.user, found.pk)
    return render(
        request,
        "promotions/coupon.html",
        {
            "coupon": found,
            "campaign": found.campaign,
            "qr": codes.qr_svg_data_uri(found.code),
            "code": codes.grouped(found.code),
        },
    )


def deal(request, campaign_id: int):
    """Where a flash deal's message leads: what it is, how long it lasts, how many are left."""
    found = _found(lambda: selectors.public_campaign(campaign_id))
    return render(
        request,
        "promotions/deal.html",
        {
            "campaign": found,
            "merchant_name": found.merchant.name,
            "left": max(found.stock - found.claimed, 0),
            "over": found.valid_until <= clock.now(),
        },
    )


# ---- merchant ------------------------------------------------------------------------------


@console_view(Action.MANAGE_CAMPAIGNS)
def new_flash_deal(request, actor):
    form = FlashDealForm(
        request.POST or None, stores=merchant_selectors.merchant_stores(actor.merchant)
    )
    made = submit(
        request,
        form,
        lambda data: services.create_flash_deal(actor=actor, data=form.to_input()),
    )
    if made:
        messages.success(request, _("Flash deal created: it goes out at the time you set."))
        return redirect("campaigns:campaign", campaign_id=made.campaign_id)
    return render(
        request,
        "promotions/new_flash_deal.html",
        {"actor": actor, "form": form},
        status=400 if form.errors else 200,
    )


def _suggested(request) -> dict | None:
    """A new campaign opened from a customer's "next offer" starts with that service."""
    item = request.GET.get("item", "")
    return {"items": [int(item)]} if item.isdigit() else None


def _campaign_form(request, actor, campaign: Campaign | None = None):
    program = card_selectors.program_of(actor.merchant)
    return CampaignForm(
        request.POST or None,
        initial=CampaignForm.initial_for(campaign) if campaign else _suggested(request),
        items=merchant_selectors.merchant_items(actor.merchant),
        stores=merchant_selectors.merchant_stores(actor.merchant),
        tiers=list(program.tiers.all()) if program else [],
        segments=audiences.param_choices(actor.merchant),
    )


@console_view(Action.VIEW_CAMPAIGNS)
def campaigns(request, actor):
    return render(
        request,
        "promotions/campaigns.html",
        {"actor": actor, "campaigns": selectors.merchant_campaigns(actor.merchant)},
    )


@console_view(Action.MANAGE_CAMPAIGNS)
def edit_campaign(request, actor, campaign_id: int | None = None):
    campaign = None
    if campaign_id is not None:
        campaign = selectors.merchant_campaign(actor.merchant, campaign_id)
    form = _campaign_form(request, actor, campaign)
    saved = submit(
        request,
        form,
        lambda data: services.save_campaign(
            actor=actor, data=form.to_input(), campaign_id=campaign_id
        ),
    )
    if saved:
        messages.success(request, _("Campaign saved."))
        return redirect("campaigns:campaign", campaign_id=saved.pk)
    return render(
        request,
        "promotions/edit_campaign.html",
        {"actor": actor, "form": form, "campaign": campaign},
        status=400 if form.errors else 200,
    )


@console_view(Action.MANAGE_CAMPAIGNS)
@require_POST
def preview(request, actor):
    """The coupon as the consumer will see it, from the unsaved form (htmx, as the owner types)."""
    form = _campaign_form(request, actor)
    form.is_valid()  # an incomplete form still previews what it has
    sample = selectors.unsaved_campaign(actor.merchant, form.cleaned_data)
    return render(
        request,
        "promotions/coupon_face.html",
        {"campaign": sample, "merchant_name": actor.merchant.name},
    )


@console_view(Action.VIEW_CAMPAIGNS)
def campaign(request, actor, campaign_id: int):
    found = selectors.merchant_campaign(actor.merchant, campaign_id, with_targets=False)
    effect = selectors.campaign_effect(found)
    return render(
        request,
        "promotions/campaign.html",
        {
            "actor": actor,
            "campaign": found,
            "effect": effect,
            "chart": {
                "funnel": [
                    {"name": _("Issued"), "value": effect.issued},
                    {"name": _("Claimed"), "value": effect.claimed},
                    {"name": _("Viewed"), "value": effect.viewed},
                    {"name": _("Redeemed"), "value": effect.redeemed},
                ],
                "daily": effect.daily,
                "labels": {"claimed": _("Claimed"), "redeemed": _("Redeemed")},
                "customers": [
                    {"name": _("New customers"), "value": effect.new_customers},
                    {"name": _("Returning customers"), "value": effect.returning_customers},
                ],
            },
            "codes_form": CodesForm(),
            "batches": selectors.recent_code_batches(found) if found.claim_mode == "code" else [],
            "can_manage": actor.can(Action.MANAGE_CAMPAIGNS),
            "redemptions": found.redemptions.select_related("consumer", "store")[:20],
            "sheet_limit": PDF_SHEET_LIMIT,
            "flash": selectors.flash_of(found),
        },
    )


@console_view(Action.MANAGE_CAMPAIGNS, owns={"campaign_id": Campaign})
@require_POST
def campaign_action(request, actor, campaign_id: int):
    """Publish, pause, issue to the audience, or generate codes."""
    action = request.POST.get("action")
    try:
        if action in ("publish", "pause"):
            services.set_published(
                actor=actor, campaign_id=campaign_id, published=action == "publish"
            )
            messages.success(request, _("Saved."))
        elif action == "issue":
            result = services.issue(actor=actor, campaign_id=campaign_id)
            messages.success(
                request,
                _("%(n)d customers received the coupon; %(h)d were held out for comparison.")
                % {"n": result.issued, "h": result.held_out},
            )
        elif action == "codes":
            form = CodesForm(request.POST)
            if not form.is_valid():
                raise DomainError(
                    _("Generate from 1 to 100,000 codes at a time."), code=Problem.OUT_OF_RANGE
                )
            batch = services.generate_codes(
                actor=actor, campaign_id=campaign_id, count=form.cleaned_data["count"]
            )
            if batch.status == "done":
                messages.success(request, _("%(n)d codes generated.") % {"n": batch.requested})
            else:
                messages.success(
                    request,
                    _("Generating %(n)d codes: the progress is on this page.")
                    % {"n": batch.requested},
                )
    except DomainError as error:
        messages.error(request, str(error.message))
    return redirect("campaigns:campaign", campaign_id=campaign_id)


@console_view(Action.VIEW_CAMPAIGNS)
def code_batches(request, actor, campaign_id: int):
    """The campaign's requests for codes and how far each got (the page asks every second
    while one is generating)."""
    found = selectors.merchant_campaign(actor.merchant, campaign_id)
    return render(
        request,
        "promotions/code_batches.html",
        {"campaign": found, "batches": selectors.recent_code_batches(found)},
    )


@console_view(Action.MANAGE_CAMPAIGNS)
def codes_pdf_view(request, actor, campaign_id: int):
    """Printable sheets of unclaimed codes (the first 2,000; print more in several sheets)."""
    found = selectors.merchant_campaign(actor.merchant, campaign_id)
    numbers = selectors.unclaimed_codes(found, PDF_SHEET_LIMIT)
    if not numbers:
        messages.error(request, _("No unclaimed codes: generate some first."))
        return redirect("campaigns:campaign", campaign_id=found.pk)
    response = HttpResponse(
        codes_pdf(
            title=f"{actor.merchant.name} · {found.name}",
            color="#e8572a",
            codes=numbers,
            subtitle=selectors.value_text(found),
        ),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = f'attachment; filename="coupons-{found.pk}.pdf"'
    return response


@console_view(Action.VIEW_CAMPAIGNS)
def codes_csv(request, actor, campaign_id: int):
    """Every code with its state, streamed (a campaign may have 100,000)."""
    found = selectors.merchant_campaign(actor.merchant, campaign_id)
    header = [_("Code"), _("Status"), _("Customer"), _("Claimed at"), _("Used at")]

    def rows():
        for row in selectors.campaign_codes(found):
            yield (
                row.code,
                row.get_status_display(),
                str(row.consumer or ""),
                f"{timezone.localtime(row.claimed_at):%Y-%m-%d %H:%M}" if row.claimed_at else "",
                f"{timezone.localtime(row.used_at):%Y-%m-%d %H:%M}" if row.used_at else "",
            )

    return csvfile.response(f"coupons-{found.pk}.csv", header, rows())


@console_view(Action.CONFIRM_CONSUMPTION)
def redeem(request, actor):
    """The till: scan or type the coupon's code, enter the bill, the discount is shown."""
    form = RedeemForm(
        request.POST or None, stores=merchant_selectors.merchant_stores(actor.merchant)
    )
    done = submit(
        request,
        form,
        lambda data: services.redeem_at_till(
            actor=actor, code=data["code"], bill=data["bill"], store_id=data["store"]
        ),
    )
    if done:
        messages.success(
            request,
            _("Coupon “%(name)s” used: ¥%(off)s off, the customer pays ¥%(pay)s.")
            % {"name": done.campaign.name, "off": done.discount, "pay": done.revenue},
        )
        return redirect("campaigns:redeem")
    return render(
        request,
        "promotions/redeem.html",
        {"actor": actor, "form": form, "recent": selectors.redemptions(actor.merchant, 10)},
        status=400 if form.errors else 200,
    )
