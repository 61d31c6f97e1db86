"""The merchant's customer directory: search, export, and one customer's profile and timeline."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from regulars.core import clock
from regulars.core.forms import submit
from regulars.customers import selectors as customer_selectors
from regulars.customers.views import search_filters, search_form
from regulars.merchants.permissions import Action
from regulars.merchants.web import console_view

from . import selectors, services
from .forms import GreetingsForm, MessageForm

# ---- messages and greetings -------------------------------------------------------------------


@console_view(Action.EDIT_CUSTOMERS)
def message(request, actor):
    """Write to one customer, a segment, or the customers a search found."""
    segment_id = request.GET.get("segment", "")
    customer_id = request.GET.get("customer", "")
    if segment_id.isdigit():
        segment = customer_selectors.segment_of(actor.merchant, int(segment_id))
        customers = customer_selectors.segment_members(segment)
        target = {"segment_id": segment.pk}
        audience = _("Segment: %(name)s") % {"name": segment.name}
    elif customer_id.isdigit():
        found = customer_selectors.merchant_customer(actor.merchant, int(customer_id))
        customers = customer_selectors.search(actor.merchant, customer_selectors.Filters()).filter(
            pk=found.pk
        )
        target = {"customer_ids": [found.pk]}
        audience = str(found)
    else:
        filters = search_filters(search_form(request, actor), actor)
        customers = customer_selectors.search(actor.merchant, filters)
        target = {"rules": filters.to_rules()}
        audience = _("The customers of your search")
    reach = selectors.reach(actor.merchant, customers)
    form = MessageForm(request.POST or None)
    sent = submit(
        request,
        form,
        lambda data: services.send_message(
            actor=actor,
            title=data["title"],
            body=data["body"],
            send_at=data["send_at"],
            **target,
        ),
    )
    if sent:
        messages.success(
            request,
            _("Sent to %(n)s customers (each through their own notification settings).")
            % {"n": sent.recipients},
        )
        return redirect("outreach:messages")
    return render(
        request,
        "outreach/message.html",
        {"actor": actor, "form": form, "audience": audience, "reach": reach},
        status=400 if form.errors else 200,
    )


@console_view(Action.VIEW_CUSTOMERS)
def outreach_history(request, actor):
    return render(
        request,
        "outreach/messages.html",
        {"actor": actor, "sent": selectors.outreach_of(actor.merchant)},
    )


@console_view(Action.CONFIGURE_CUSTOMERS)
def greetings(request, actor):
    """Birthday greetings N days before, holiday greetings on the Chinese calendar."""
    from regulars.promotions import selectors as campaign_selectors

    saved = selectors.automations(actor.merchant)
    form = GreetingsForm(
        request.POST or None,
        campaigns=campaign_selectors.issued_campaigns(actor.merchant),
        today=clock.today(),
        initial={
            **saved,
            "birthday_campaign": saved["birthday_campaign_id"],
            "holiday_campaign": saved["holiday_campaign_id"],
            "referral_campaign": saved["referral_campaign_id"],
        },
    )
    if submit(
        request,
        form,
        lambda data: services.save_greetings(
            actor=actor,
            birthday_days=data["birthday_days"],
            birthday_title=data["birthday_title"],
            birthday_body=data["birthday_body"],
            birthday_campaign_id=data["birthday_campaign"],
            holidays=data["holidays"],
            holiday_campaign_id=data["holiday_campaign"],
            referral_campaign_id=data["referral_campaign"],
            follow_up_after_visit=data["follow_up_after_visit"],
        ),
    ):
        messages.success(request, _("Greetings saved: they go out each morning at nine."))
        return redirect("outreach:greetings")
    return render(
        request,
        "outreach/greetings.html",
        {"actor": actor, "form": form},
        status=400 if form.errors else 200,
    )
