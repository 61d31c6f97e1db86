from django.contrib.auth import get_user_model
from django.db.models import Q

from regulars.core.phones import normalize_phone


def find_user_by_login(login: str):
    """The user whose phone, email or username is `login`, or None."""
    login = (login or "").strip()
    if not login:
        return None
    User = get_user_model()
    query = Q(username=login)
    if "@" in login:
        query |= Q(email__iexact=login)
    else:
        phone = normalize_phone(login, strict=False)
        if phone:
            query |= Q(phone=phone)
    return User.objects.filter(query).first()


def user_for_token(key: str):
    from .models import ApiToken

    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=ApiToken.hash_key(key), user__is_active=True)
        .first()
    )
    return token.user if token else None
