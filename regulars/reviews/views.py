from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from regulars.core.errors import NotFound
from regulars.core.forms import submit
from regulars.core.web import safe_next
from regulars.merchants import selectors as merchant_selectors
from regulars.merchants.permissions import Action
from regulars.merchants.web import console_view

from . import selectors, services
from .forms import ReplyForm, ReportForm, ReviewForm
from .models import Review


def _post(request, form, store_id: int, order_id: int | None):
    return submit(
        request,
        form,
        lambda data: services.post_review(
            author=request.user,
            store_id=store_id,
            stars=data["stars"],
            service=data["service"],
            environment=data["environment"],
            value=data["value"],
            text=data["text"],
            order_id=order_id,
            photos=[data["photo"]] if data.get("photo") else [],
        ),
    )


@login_required
def write_review(request, store_id: int):
    """A general review (reference only) of a store."""
    try:
        store = merchant_selectors.public_store(store_id)
    except NotFound:
        raise Http404() from None
    form = ReviewForm(request.POST or None, request.FILES or None)
    if _post(request, form, store.pk, None):
        messages.success(request, _("Thank you for your review."))
        return redirect("discovery:store", store_id=store.pk)
    return render(
        request,
        "reviews/write.html",
        {"store": store, "form": form, "order": None},
        status=400 if form.errors else 200,
    )


@login_required
def review_order(request, order_id: int):
    """A verified review of a used order: badged and weighted more."""
    try:
        order = selectors.reviewable_order(request.user, order_id)
    except NotFound:
        raise Http404() from None
    form = ReviewForm(request.POST or None, request.FILES or None)
    if _post(request, form, order.store_id, order.pk):
        messages.success(request, _("Thank you! Your review is marked as verified."))
        return redirect("discovery:store", store_id=order.store_id)
    return render(
        request,
        "reviews/write.html",
        {"store": order.store, "form": form, "order": order},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def report_review(request, review_id: int):
    form = ReportForm(request.POST)
    if submit(
        request,
        form,
        lambda data: services.report(
            reporter=request.user, review_id=review_id, reason=data["reason"]
        ),
    ):
        messages.success(request, _("Thank you. Our moderators will look at it."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect(safe_next(request, reverse("reviews:mine")))


def store_reviews(request, store_id: int):
    """Every visible review of a store, twenty a page (the store page shows the first ten)."""
    try:
        store = merchant_selectors.public_store(store_id)
    except NotFound:
        raise Http404() from None
    page = selectors.store_review_page(store.pk, request.GET.get("page"))
    return render(
        request,
        "reviews/store_reviews.html",
        {"store": store, "reviews": page.object_list, "page": page, "report": True},
    )


@login_required
def my_reviews(request):
    return render(request, "reviews/mine.html", {"reviews": selectors.author_reviews(request.user)})


@console_view(Action.REPLY_REVIEWS)
def console_reviews(request, actor):
    awaiting_reply = request.GET.get("awaiting") == "1"
    return render(
        request,
        "reviews/console.html",
        {
            "actor": actor,
            "page": selectors.merchant_review_page(
                actor.merchant, request.GET.get("page"), awaiting_reply=awaiting_reply
            ),
            "awaiting_reply": awaiting_reply,
            "awaiting_count": selectors.awaiting_reply_count(actor.merchant),
            "reply_form": ReplyForm(),
        },
    )


@console_view(Action.REPLY_REVIEWS, owns={"review_id": Review})
@require_POST
def console_reply(request, actor, review_id: int):
    form = ReplyForm(request.POST)
    if submit(
        request,
        form,
        lambda data: services.reply(actor=actor, review_id=review_id, text=data["text"]),
    ):
        messages.success(request, _("Reply posted."))
    else:
        messages.error(request, _("Write your reply."))
    return redirect("reviews_console:reviews")
