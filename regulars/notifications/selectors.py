from .models import InboxMessage


def inbox(user, limit: int = 50) -> list[InboxMessage]:
    return list(InboxMessage.objects.filter(user=user)[:limit])


def unread_count(user) -> int:
    return InboxMessage.objects.filter(user=user, read_at=None).count()
