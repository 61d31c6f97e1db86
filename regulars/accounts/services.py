"""Writes for accounts: sign-up, sign-in and API tokens."""

import contextlib
import datetime as dt
import hashlib
import hmac
import logging
import secrets

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from regulars.accounts.errors import Problem
from regulars.core import clock, throttle
from regulars.core.errors import DomainError
from regulars.core.phones import masked_phone, normalize_phone

from . import privacy
from .models import ApiToken, CodePurpose, ConsentPurpose, PhoneCode

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
            _("Enter a valid mobile number (e.g. 13800138000) or an email address."),
            field="login",
            code=Problem.BAD_FORMAT,
        )
    if "@" in login:
        try:
            validate_email(login)
        except ValidationError:
            raise DomainError(
                _("Enter a valid email address."), field="login", code=Problem.BAD_FORMAT
            ) from None
        return None, login.lower()
    phone = normalize_phone(login)
    if phone is None:
        raise DomainError(
            _("Enter a valid mobile number (e.g. 13800138000) or an email address."),
            field="login",
            code=Problem.BAD_FORMAT,
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
        raise DomainError(
            _("Wrong phone/email or password."), field="password", code=Problem.BAD_LOGIN
        )
    throttle.clear(SIGN_IN_PER_ACCOUNT, account)
    return user


def sign_up(
    *,
    login: str,
    password: str,
    display_name: str = "",
    address: str = "",
    code: str | None = None,
    proof: PhoneCode | None = None,
):
    """Create a person who signs in with a phone number or email address and a password.

    Pages and the API always pass `code` for a phone: the 6-digit code texted to it
    (`send_phone_code`), which proves the phone is the reader's. An account a shop opened for
    the number (a card issued at the counter) is then handed over to them instead of blocking
    them. Without `code` (the demo generator, the admin) the phone stays unverified. A caller
    inside a transaction checks the code first (`check_phone_code`, whose count of tries must
    survive a rollback) and passes `proof`."""
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
    phone, email = parse_login(login)
    if phone and proof is None and code is not None:
        proof = check_phone_code(phone, CodePurpose.SIGN_UP, code)
    if proof is not None and (proof.phone != phone or proof.purpose != CodePurpose.SIGN_UP):
        raise DomainError(_("The code is not right."), field="code", code=Problem.WRONG_CODE)
    user = _create_account(phone, email, password, display_name, proof)
    if address:
        throttle.hit(SIGN_UPS_PER_ADDRESS, address)
    return user


@transaction.atomic
def _create_account(phone, email, password: str, display_name: str, proof):
    User = get_user_model()
    identity = phone or email
    waiting = User.objects.filter(phone=phone).first() if phone and proof else None
    if waiting is not None and is_unclaimed(waiting):
        user = waiting  # the shop opened it for this number; its owner proved the number
        user.display_name = display_name.strip()[:60] or user.display_name
    elif (
        User.objects.filter(username=identity).exists()
        or (phone and User.objects.filter(phone=phone).exists())
        or (email and User.objects.filter(email__iexact=email).exists())
    ):
        raise DomainError(
            _("An account with this phone or email already exists."),
            field="login",
            code=Problem.DUPLICATE,
        )
    else:
        user = User(
            username=identity, phone=phone, email=email, display_name=display_name.strip()[:60]
        )
    user.set_password(_validated_password(password, user))
    if proof is not None:
        _use_code(proof)
        user.phone_verified_at = clock.now()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise DomainError(
            _("An account with this phone or email already exists."),
            field="login",
            code=Problem.DUPLICATE,
        ) from None
    privacy.record_consent(
        user=user, purpose=ConsentPurpose.ACCOUNT, granted=True, source="sign-up"
    )
    return user


def is_unclaimed(user) -> bool:
    """An account a shop opened for a phone number, that nobody has proved or used yet."""
    return (
        user.is_active
        and not user.is_staff
        and user.phone_verified_at is None
        and not user.has_usable_password()
    )


def account_for_phone(phone: str):
    """The account of a phone number, opened (unclaimed, no password) if there is none: a shop
    issues a card to a customer standing at the counter. It becomes theirs when they prove the
    number (sign-up or sign-in with a code)."""
    User = get_user_model()
    found = User.objects.filter(phone=phone).first()
    if found is None:
        found = User(username=phone, phone=phone)
        found.set_unusable_password()
        found.save()
    return found


# ---- proving a phone with a texted code ------------------------------------------------------

CODE_DIGITS = 6
CODE_MINUTES = 5
CODE_TRIES = 5
CODES_PER_PHONE_MINUTE = throttle.Limit("phone-code-minute", attempts=1, window_seconds=60)
CODES_PER_PHONE_HOUR = throttle.Limit("phone-code-hour", attempts=5, window_seconds=60 * 60)
CODES_PER_ADDRESS_HOUR = throttle.Limit("phone-code-address", attempts=20, window_seconds=60 * 60)

log = logging.getLogger("regulars.accounts")

# How texts leave (filled in by the notifications app at start-up: accounts sits below it).
_text_senders: list = []


def register_text_sender(send) -> None:
    """`send(to=E.164, text=..., message_id=..., kind=..., params={...})`: the words, and the
    kind and values for providers that send approved templates; the last registered is used."""
    _text_senders.append(send)


def _text(to: str, text: str, message_id: str, kind: str, params: dict | None = None) -> None:
    if not _text_senders:
        raise RuntimeError("no SMS sender registered (the notifications app registers one)")
    try:
        _text_senders[-1](to=to, text=text, message_id=message_id, kind=kind, params=params)
    except Exception as error:  # noqa: BLE001 - whatever the provider raised, the reader waits
        log.warning("SMS to %s failed: %s", masked_phone(to), error)
        raise DomainError(
            _("The text could not be sent; try again in a minute."), code=Problem.SMS_FAILED
        ) from None


def _code_hash(phone: str, purpose: str, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{phone}|{purpose}|{code}".encode(), hashlib.sha256).hexdigest()


def send_phone_code(*, phone: str, purpose: str, address: str = "") -> str:
    """Text a code to `phone` for `purpose`; returns the number masked, to show "sent to …".

    The answer is the same whether or not the number has an account, so asking tells nobody
    who is registered: a sign-up code for a number that already has an account is replaced by
    a text telling its owner to sign in; a sign-in or reset code for an unknown number is not
    sent at all. Each number gets one text a minute and five an hour, each address twenty."""
    if purpose not in CodePurpose.values:
        raise DomainError(_("Unknown purpose."), field="purpose", code=Problem.UNKNOWN_CHOICE)
    number = _mobile(phone)
    wait = _("A code was just sent to this number; ask again in a minute.")
    throttle.check(CODES_PER_PHONE_MINUTE, number, field="phone", message=wait)
    throttle.check(
        CODES_PER_PHONE_HOUR, number, field="phone", message=_("Too many codes for this number.")
    )
    if address:
        throttle.check(
            CODES_PER_ADDRESS_HOUR, address, message=_("Too many codes asked from your network.")
        )
        throttle.hit(CODES_PER_ADDRESS_HOUR, address)
    throttle.hit(CODES_PER_PHONE_MINUTE, number)
    throttle.hit(CODES_PER_PHONE_HOUR, number)
    account = get_user_model().objects.filter(phone=number, is_active=True).first()
    message_id = "code-" + secrets.token_hex(8)
    if purpose == CodePurpose.SIGN_UP and account is not None and not is_unclaimed(account):
        _text(
            number,
            _("Regulars: this number already has an account. Sign in, or reset the password."),
            message_id,
            "account_exists",
        )
        return masked_phone(number)
    if purpose != CodePurpose.SIGN_UP and account is None:
        return masked_phone(number)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    PhoneCode.objects.create(
        phone=number,
        purpose=purpose,
        code_hash=_code_hash(number, purpose, code),
        address=address[:45],
        expires_at=clock.now() + dt.timedelta(minutes=CODE_MINUTES),
    )
    _text(
        number,
        _("Regulars code %(code)s, valid for %(minutes)d minutes. Never tell it to anyone.")
        % {"code": code, "minutes": CODE_MINUTES},
        message_id,
        "code",
        {"code": code, "minutes": CODE_MINUTES},
    )
    return masked_phone(number)


def check_phone_code(phone: str, purpose: str, code: str | None) -> PhoneCode:
    """The newest live code for the number matches `code`. Every try is counted and kept (outside
    the caller's transaction), five per code; the code is used up by `_use_code`."""
    code = (code or "").strip()
    if not code:
        raise DomainError(
            _("Enter the code we texted to you."), field="code", code=Problem.CODE_REQUIRED
        )
    found = (
        PhoneCode.objects.filter(
            phone=phone, purpose=purpose, used_at=None, expires_at__gt=clock.now()
        )
        .order_by("-created_at", "-pk")
        .first()
    )
    if found is None:
        raise DomainError(
            _("The code has expired or was never sent: ask for a new one."),
            field="code",
            code=Problem.CODE_EXPIRED,
        )
    counted = PhoneCode.objects.filter(pk=found.pk, attempts__lt=CODE_TRIES).update(
        attempts=F("attempts") + 1
    )
    if not counted:
        raise DomainError(
            _("Too many wrong codes: ask for a new one."), field="code", code=Problem.CODE_LOCKED
        )
    if not hmac.compare_digest(found.code_hash, _code_hash(phone, purpose, code)):
        raise DomainError(_("The code is not right."), field="code", code=Problem.WRONG_CODE)
    return found


def _use_code(found: PhoneCode) -> None:
    if not PhoneCode.objects.filter(pk=found.pk, used_at=None).update(used_at=clock.now()):
        raise DomainError(_("This code was already used."), field="code", code=Problem.CODE_USED)


def _mobile(phone: str) -> str:
    number = normalize_phone(phone or "")
    if number is None:
        raise DomainError(_("Enter a valid mobile number."), field="phone", code=Problem.BAD_FORMAT)
    return number


def _validated_password(password: str, user) -> str:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise DomainError(
            " ".join(error.messages), field="password", code=Problem.WEAK_PASSWORD
        ) from None
    return password


@contextlib.contextmanager
def _proved_account(phone: str, purpose: str, code: str):
    """The locked account of a number whose texted code is right: the caller changes it inside,
    then the code is used up and the phone marked proved, in one transaction."""
    number = _mobile(phone)
    proof = check_phone_code(number, purpose, code)
    with transaction.atomic():
        user = get_user_model().objects.select_for_update().filter(phone=number).first()
        if user is None or not user.is_active:
            raise DomainError(_("The code is not right."), field="code", code=Problem.WRONG_CODE)
        yield user
        _use_code(proof)
        user.phone_verified_at = user.phone_verified_at or clock.now()
        user.save()
    throttle.clear(SIGN_IN_PER_ACCOUNT, account_key(number))


def sign_in_with_code(*, phone: str, code: str):
    """Sign in with a texted code instead of a password (what Chinese users expect); an account a
    shop opened for the number becomes the reader's."""
    with _proved_account(phone, CodePurpose.SIGN_IN, code) as user:
        pass
    return user


def reset_password(*, phone: str, code: str, password: str):
    """A forgotten password: a texted code, then a new password."""
    with _proved_account(phone, CodePurpose.RESET, code) as user:
        user.set_password(_validated_password(password, user))
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
