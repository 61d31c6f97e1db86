"""The row locks reviews take, in one place so that concurrency is visible in review.

Posting a review checks the author's recent reviews (five an hour, one general review of a shop
per 30 days) and then writes one. Two posts at once would both pass the check, so each post
first locks its author's row: one person's posts are checked and written one after the other,
different people's never wait on each other.
"""

from django.contrib.auth import get_user_model


def lock_author(user_id: int) -> None:
    get_user_model().objects.select_for_update().filter(pk=user_id).values_list("pk").first()
