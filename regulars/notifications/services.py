from django.db import IntegrityError, transaction

from .models import InboxMessage


def notify(*, user, title: str, body: str = "", link: str = "", dedupe_key: str) -> bool:
    """Put a message in a person's inbox once per `dedupe_key`. Returns whether it was new."""
    try:
        with transaction.atomic():
            InboxMessage.objects.create(
                user=user,
                title=title[:120],
                body=body,
                link=link[:200],
                dedupe_key=dedupe_key[:120],
            )
    except IntegrityError:
        return False
    return True


def mark_read(*, user) -> int:
    from django.utils import timezone

    return InboxMessage.objects.filter(user=user, read_at=None).update(read_at=timezone.now())
