"""Writes for accounts: sign-up, sign-in and API tokens."""

import hashlib
import secrets

from django.contrib.auth import authenticate, get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from regulars.core import throttle
from regulars.core.errors import DomainError
from regulars.core.phones import normalize_phone

from . import privacy
from .models import ApiToken, ConsentPurpose

# An email address is at most 254 characters (RFC 5321); nothing longer is anybody's login.
MAX_LOGIN_LENGTH = 254


def account_key(login: str) -> str:
    """What every per-account limit counts against: the account as stored (a phone in E.164, an
    email in lower case), so `13800000005`, `+8613800000005` and `138 0000 0005` share one
    counter; hashed, so a 2 MB login is a 64-character key."""
    try:
        phone, email = parse_login(login)
        identity = phone or email
    except DomainError:
        identity = (login or "").strip().lower()[: MAX_LOGIN_LENGTH + 1]
    return hashlib.sha256(identity.encode()).hexdigest()


def parse_login(login: str) -> tuple[str | None, str | None]:
    """(phone, email) from what a person typed as their sign-in name; one of them is set."""
    login = (login or "").strip()
    if len(login) > MAX_LOGIN_LENGTH:
        raise DomainError(
            _("Enter a valid mobile number (e.g. 13800138000) or an email address."), field="login"
        )
    if "@" in login:
        try:
            validate_email(login)
        except ValidationError:
            raise DomainError(_("Enter a valid email address."), field="login") from None
        return None, login.lower()
    phone = normalize_phone(login)
    if phone is None:
        raise DomainError(
            _("Enter a valid mobile number (e.g. 13800138000) or an email address."), field="login"
        )
    return phone, None


# Five wrong passwords lock an account for the rest of a 15-minute window (an attacker can thus
# try 480 passwords a day against one account, against Django's common-password list of 20,000
# and a minimum length of 8); one address may fail 50 times per window across accounts.
SIGN_IN_PER_ACCOUNT = throttle.Limit("sign-in-account", attempts=5, window_seconds=15 * 60)
SIGN_IN_PER_ADDRESS = throttle.Limit("sign-in-address", attempts=50, window_seconds=15 * 60)
# New accounts per address and hour: farming accounts is how per-account limits are dodged.
SIGN_UPS_PER_ADDRESS = throttle.Limit("sign-up-address", attempts=10, window_seconds=60 * 60)
# Every sign-up attempt, refused ones too: "this phone already has an account" answers whether a
# number is registered, so asking is limited like guessing.
SIGN_UP_ATTEMPTS_PER_ADDRESS = throttle.Limit(
    "sign-up-attempt-address", attempts=30, window_seconds=60 * 60
)


def sign_in(*, login: str, password: str, address: str, request=None):
    """The person behind a login and password, or a refusal that says when to try again."""
    account = account_key(login)
    locked = _("Too many wrong passwords for this account.")
    throttle.check(SIGN_IN_PER_ACCOUNT, account, field="password", message=locked)
    throttle.check(
        SIGN_IN_PER_ADDRESS, address, field="password", message=_("Too many failed sign-ins.")
    )
    user = authenticate(request, username=login, password=password)
    if user is None:
        throttle.hit(SIGN_IN_PER_ADDRESS, address)
        if throttle.hit(SIGN_IN_PER_ACCOUNT, account) >= SIGN_IN_PER_ACCOUNT.attempts:
            throttle.check(SIGN_IN_PER_ACCOUNT, account, field="password", message=locked)
        raise DomainError(_("Wrong phone/email or password."), field="password", code="bad_login")
    throttle.clear(SIGN_IN_PER_ACCOUNT, account)
    return user


@transaction.atomic
def sign_up(*, login: str, password: str, display_name: str = "", address: str = ""):
    """Create a person who signs in with a phone number or email address and a password."""
    if address:
        throttle.check(
            SIGN_UPS_PER_ADDRESS,
            address,
            message=_("Many accounts were created from your network."),
        )
        throttle.check(
            SIGN_UP_ATTEMPTS_PER_ADDRESS,
            address,
            message=_("Too many sign-up attempts from your network."),
        )
        throttle.hit(SIGN_UP_ATTEMPTS_PER_ADDRESS, address)
    User = get_user_model()
    phone, email = parse_login(login)
    identity = phone or email
    if (
        User.objects.filter(username=identity).exists()
        or (phone and User.objects.filter(phone=phone).exists())
        or (email and User.objects.filter(email__iexact=email).exists())
    ):
        raise DomainError(_("An account with this phone or email already exists."), field="login")
    user = User(username=identity, phone=phone, email=email, display_name=display_name.strip()[:60])
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise DomainError(" ".join(error.messages), field="password") from None
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise DomainError(
            _("An account with this phone or email already exists."), field="login"
        ) from None
    if address:
        throttle.hit(SIGN_UPS_PER_ADDRESS, address)
    privacy.record_consent(
        user=user, purpose=ConsentPurpose.ACCOUNT, granted=True, source="sign-up"
    )
    return user


def create_api_token(*, user, name: str = "api") -> str:
    """A new bearer key for `user`. The key is shown once; only its hash is stored."""
    key = "rg_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user, name=name[:60] or "api", key_hash=ApiToken.hash_key(key), prefix=key[:8]
    )
    return key


def revoke_api_token(*, authorization: str) -> None:
    """Delete the token in an `Authorization: Bearer ...` header (a session has none to revoke)."""
    scheme, _, key = authorization.partition(" ")
    if scheme.lower() == "bearer" and key:
        ApiToken.objects.filter(key_hash=ApiToken.hash_key(key.strip())).delete()
