"""Reads for messages and greetings: who a message would reach, what was sent, the settings."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Reach:
    customers: int
    in_app: int  # have an account: the inbox, push and SMS reach them
    excluded: int  # on the risk list


def reach(merchant, customers) -> Reach:
    from regulars.notifications import targeting

    people = list(customers.values_list("consumer_id", flat=True)[:100000])
    excluded = targeting.excluded_ids(merchant.pk)
    in_app = [person for person in people if person]
    return Reach(
        customers=len(people),
        in_app=len([p for p in in_app if p not in excluded]),
        excluded=len([p for p in in_app if p in excluded]),
    )


def outreach_of(merchant, limit: int = 100) -> list:
    from .models import Outreach

    return list(
        Outreach.objects.filter(merchant=merchant).select_related(
            "broadcast", "campaign", "created_by"
        )[:limit]
    )


def greeting_settings_of(merchant):
    """The merchant's greetings; none (saved) until it sets them."""
    from .models import GreetingSettings

    return GreetingSettings.objects.filter(merchant=merchant).first() or GreetingSettings(
        merchant=merchant
    )


def automations(merchant) -> dict:
    """What the greetings page shows and saves: the greetings, the referral coupon and the
    follow-up call after a visit (the last two are the directory's settings)."""
    from regulars.customers.behaviour import settings_of

    greetings, directory = greeting_settings_of(merchant), settings_of(merchant)
    return {
        "birthday_days": greetings.birthday_days,
        "birthday_title": greetings.birthday_title,
        "birthday_body": greetings.birthday_body,
        "birthday_campaign_id": greetings.birthday_campaign_id,
        "holidays": greetings.holidays,
        "holiday_campaign_id": greetings.holiday_campaign_id,
        "referral_campaign_id": directory.referral_campaign_id,
        "follow_up_after_visit": directory.follow_up_after_visit,
    }
