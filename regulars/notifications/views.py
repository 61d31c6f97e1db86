"""The consumer's inbox and message settings: places, what they follow, quiet hours, channels."""

import json
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST

from regulars.core import wechat
from regulars.core.errors import DomainError, NotFound
from regulars.core.forms import submit
from regulars.merchants import selectors as merchant_selectors

from . import channels, selectors, services, wechat_notices
from .forms import FollowForm, PlaceForm, PreferencesForm

SERVICE_WORKER = Path(__file__).resolve().parent / "static_sw.js"


@login_required
def inbox(request):
    found = selectors.inbox(request.user)
    services.mark_read(user=request.user)
    return render(request, "notifications/inbox.html", {"inbox": found})


def _back(request, fallback: str):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(fallback)


@login_required
def settings_page(request):
    """One page for everything about messages; each form posts its own `form` name."""
    user = request.user
    chosen = request.POST.get("form") if request.method == "POST" else None
    preferences = services.preferences_of(user)
    preferences_form = PreferencesForm(
        request.POST if chosen == "preferences" else None, instance=preferences
    )
    place_form = PlaceForm(request.POST if chosen == "place" else None)
    follow_form = FollowForm(
        request.POST if chosen == "follow" else None,
        categories=merchant_selectors.all_categories(),
    )
    done = None
    if chosen == "preferences":
        done = submit(
            request,
            preferences_form,
            lambda data: services.save_preferences(consumer=user, **data),
        )
    elif chosen == "place":
        done = submit(request, place_form, lambda data: services.add_place(consumer=user, **data))
    elif chosen == "follow":
        done = submit(
            request,
            follow_form,
            lambda data: services.follow(
                consumer=user, category_id=data["category"], radius_m=data["radius_m"]
            ),
        )
    if done:
        messages.success(request, _("Saved."))
        return redirect("notifications:settings")
    return render(
        request,
        "notifications/settings.html",
        {
            "preferences_form": preferences_form,
            "place_form": place_form,
            "follow_form": follow_form,
            "places": selectors.places(user),
            "subscriptions": selectors.subscriptions(user),
            "opted_out": selectors.opted_out_merchants(user),
            "has_push": selectors.has_push(user),
            "vapid_key": channels.vapid_public_key(),
            "wechat_enabled": wechat_notices.enabled(),
            "wechat_bound": selectors.has_wechat(user),
        },
        status=400 if chosen and not done else 200,
    )


@login_required
@require_POST
def remove(request, kind: str, item_id: int):
    try:
        if kind == "place":
            services.remove_place(consumer=request.user, place_id=item_id)
        elif kind == "subscription":
            services.unfollow(consumer=request.user, subscription_id=item_id)
        else:
            raise NotFound()
    except NotFound:
        raise Http404() from None
    messages.success(request, _("Removed."))
    return redirect("notifications:settings")


@login_required
@require_POST
def follow_shop(request, merchant_id: int):
    try:
        if request.POST.get("action") == "unfollow":
            for subscription in selectors.subscriptions(request.user):
                if subscription.merchant_id == merchant_id:
                    services.unfollow(consumer=request.user, subscription_id=subscription.pk)
            messages.success(request, _("You no longer follow this shop."))
        else:
            services.follow(
                consumer=request.user,
                merchant_id=merchant_id,
                radius_m=request.POST.get("radius_m", 5000),
            )
            services.opt_back_in(consumer=request.user, merchant_id=merchant_id)
            messages.success(request, _("Following: this shop's flash deals will reach you."))
    except DomainError as error:
        messages.error(request, str(error.message))
    return _back(request, "notifications:settings")


@login_required
@require_POST
def stop_offers(request, merchant_id: int):
    """The link under every promotional message: nothing more from this shop (undo anytime)."""
    if request.POST.get("action") == "resume":
        services.opt_back_in(consumer=request.user, merchant_id=merchant_id)
        messages.success(request, _("Offers from this shop will reach you again."))
    else:
        try:
            services.opt_out_of_merchant(consumer=request.user, merchant_id=merchant_id)
        except NotFound:
            raise Http404() from None
        messages.success(request, _("You will get no more offers from this shop."))
    return _back(request, "notifications:inbox")


@login_required
@require_POST
def push_subscription(request):
    """The page's script sends the browser's PushSubscription (JSON) here; DELETE-like with
    `{"unsubscribe": endpoint}`."""
    try:
        data = json.loads(request.body or b"{}")
        if data.get("unsubscribe"):
            services.unsubscribe_push(consumer=request.user, endpoint=str(data["unsubscribe"]))
            return JsonResponse({"subscribed": False})
        keys = data.get("keys") or {}
        services.subscribe_push(
            consumer=request.user,
            endpoint=str(data.get("endpoint", "")),
            p256dh=str(keys.get("p256dh", "")),
            auth=str(keys.get("auth", "")),
        )
    except (ValueError, AttributeError):
        return JsonResponse({"errors": [{"message": _("Malformed subscription.")}]}, status=400)
    except DomainError as error:
        return JsonResponse({"errors": [error.as_dict()]}, status=400)
    return JsonResponse({"subscribed": True}, status=201)


@cache_control(max_age=0, no_cache=True)
def service_worker(request):
    """Served from the site's root so it may handle notifications for every page."""
    response = HttpResponse(SERVICE_WORKER.read_text(), content_type="application/javascript")
    response["Service-Worker-Allowed"] = "/"
    return response


WECHAT_LOGIN_SALT = "notifications.wechat-bind"


@login_required
def wechat_bind(request):
    """Ask WeChat (silently, inside its browser) who this person is there, to send them notices."""
    if not wechat_notices.enabled():
        raise Http404()
    if "MicroMessenger" not in request.headers.get("User-Agent", ""):
        messages.info(request, _("Open this page in WeChat to receive notices there."))
        return redirect("notifications:settings")
    return redirect(
        wechat.authorize_url(
            settings.REGULARS_WECHATPAY_APPID,
            request.build_absolute_uri(reverse("notifications:wechat_bound")),
            signing.dumps(request.user.pk, salt=WECHAT_LOGIN_SALT),
        )
    )


@login_required
def wechat_bound(request):
    """WeChat's answer: bind this person's OpenID (the state proves they started it here)."""
    try:
        started_by = signing.loads(
            request.GET.get("state", ""), salt=WECHAT_LOGIN_SALT, max_age=600
        )
    except signing.BadSignature:
        started_by = None
    if started_by != request.user.pk:
        return HttpResponseBadRequest(
            _("This link is not valid; start again from your messages page.")
        )
    try:
        services.bind_wechat_by_code(consumer=request.user, code=request.GET.get("code", ""))
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("notifications:settings")
    messages.success(
        request, _("Notices about orders, bookings and complaints now reach your WeChat.")
    )
    return redirect("notifications:settings")


@login_required
@require_POST
def wechat_stop(request):
    services.unbind_wechat(consumer=request.user, source="settings")
    messages.success(request, _("No more notices in WeChat."))
    return redirect("notifications:settings")
