"""How API callers prove who they are: a bearer token or the browser's session."""

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from regulars.core import clock

from .models import ApiToken
from .selectors import user_for_token


class TokenAuth(HttpBearer):
    """`Authorization: Bearer rg_...` for API clients."""

    def authenticate(self, request: HttpRequest, token: str):
        user = user_for_token(token)
        if user is not None:
            request.user = user
            ApiToken.objects.filter(key_hash=ApiToken.hash_key(token)).update(
                last_used_at=clock.now()
            )
        return user


class SignedInSession(SessionAuth):
    """The browser's session cookie (CSRF checked by django-ninja)."""


AUTH = [TokenAuth(), SignedInSession()]
