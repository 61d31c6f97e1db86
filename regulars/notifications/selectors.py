from django.db.models import Count, Q

from .models import (
    Broadcast,
    Channel,
    Delivery,
    DeliveryStatus,
    InboxMessage,
    MerchantOptOut,
    Place,
    PushSubscription,
    SkipReason,
    Subscription,
)


def inbox(user, limit: int = 50) -> list[InboxMessage]:
    return list(InboxMessage.objects.filter(user=user).select_related("merchant")[:limit])


def unread_count(user) -> int:
    return InboxMessage.objects.filter(user=user, read_at=None).count()


def places(consumer) -> list[Place]:
    return list(Place.objects.filter(consumer=consumer).order_by("id"))


def subscriptions(consumer) -> list[Subscription]:
    return list(
        Subscription.objects.filter(consumer=consumer)
        .select_related("category", "merchant")
        .order_by("id")
    )


def opted_out_merchants(consumer) -> list[MerchantOptOut]:
    return list(MerchantOptOut.objects.filter(consumer=consumer).select_related("merchant"))


def has_push(consumer) -> bool:
    return PushSubscription.objects.filter(consumer=consumer).exists()


def follows_merchant(user, merchant_id: int) -> bool:
    if not user.is_authenticated:
        return False
    return Subscription.objects.filter(consumer=user, merchant_id=merchant_id).exists()


def delivery_log(broadcast: Broadcast) -> list[dict]:
    """Per channel: sent, failed, and not sent with the reason (quiet hours, cap, opt-out…)."""
    rows = (
        Delivery.objects.filter(broadcast=broadcast)
        .values("channel", "status", "reason")
        .annotate(n=Count("id"))
        .order_by("channel", "status", "reason")
    )
    reasons = dict(SkipReason.choices)
    return [
        {
            **row,
            "channel_label": Channel(row["channel"]).label,
            "status_label": DeliveryStatus(row["status"]).label,
            "reason_label": reasons.get(row["reason"], row["reason"]),
        }
        for row in rows
    ]


def broadcast_reach(broadcast: Broadcast) -> dict:
    return Delivery.objects.filter(broadcast=broadcast).aggregate(
        inbox=Count("id", filter=Q(channel="inbox", status="sent")),
        push=Count("id", filter=Q(channel="push", status="sent")),
        sms=Count("id", filter=Q(channel="sms", status="sent")),
    )


def has_wechat(user) -> bool:
    from .models import WeChatBinding

    return WeChatBinding.objects.filter(consumer=user).exists()
