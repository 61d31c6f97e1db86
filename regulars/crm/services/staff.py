"""Who on the staff to involve: the active staff, the staff of some roles, and telling them."""

from regulars.merchants.models import Membership
from regulars.notifications import services as notifications


def _active_staff_ids(merchant) -> set[int]:
    return set(
        Membership.objects.filter(merchant=merchant, is_active=True).values_list(
            "user_id", flat=True
        )
    )


def _staff_of(merchant, roles) -> list:
    return [
        member.user
        for member in Membership.objects.filter(
            merchant=merchant, role__in=roles, is_active=True
        ).select_related("user")
    ]


def _tell(users, *, title: str, link: str, key: str) -> None:
    for user in {user.pk: user for user in users if user}.values():
        notifications.notify(user=user, title=title, link=link, dedupe_key=f"{key}:{user.pk}")
