from typing import Literal

from ninja import Field, Router, Schema
from ninja.responses import Status
from pydantic import AwareDatetime

from regulars.accounts.auth import AUTH
from regulars.core.throttle import client_address

from . import privacy, services

router = Router(tags=["accounts"])


class SignUpIn(Schema):
    login: str
    password: str
    display_name: str = ""
    code: str = Field(
        "", max_length=12, description="For a phone: the code texted by POST /auth/phone-codes."
    )


class PhoneCodeIn(Schema):
    phone: str = Field(max_length=40)
    purpose: Literal["sign_up", "sign_in", "reset"]


class PhoneCodeOut(Schema):
    sent_to: str = Field(
        description="The number, masked. The same answer whether or not it has an account."
    )
    expires_in: int = Field(description="Seconds the code is good for.")


class CodeSignInIn(Schema):
    phone: str = Field(max_length=40)
    code: str = Field(max_length=12)


class PasswordResetIn(CodeSignInIn):
    password: str


class TokenIn(Schema):
    login: str
    password: str


class UserOut(Schema):
    id: int
    display_name: str
    phone: str | None
    email: str | None
    phone_verified: bool

    @staticmethod
    def resolve_phone_verified(obj):
        return obj.phone_verified_at is not None


class TokenOut(Schema):
    token: str
    user: UserOut


@router.post("/signup", response={201: TokenOut}, auth=None)
def sign_up(request, payload: SignUpIn):
    """Create a consumer account; returns an API token for it."""
    user = services.sign_up(
        login=payload.login,
        password=payload.password,
        display_name=payload.display_name,
        address=client_address(request),
        code=payload.code,
    )
    return Status(201, {"token": services.create_api_token(user=user), "user": user})


@router.post("/phone-codes", response={202: PhoneCodeOut}, auth=None)
def send_phone_code(request, payload: PhoneCodeIn):
    """Text a 6-digit code (5 minutes, 5 tries) to prove a phone: to sign up, to sign in without
    a password, or to reset the password. One a minute and five an hour per number."""
    sent_to = services.send_phone_code(
        phone=payload.phone, purpose=payload.purpose, address=client_address(request)
    )
    return Status(202, {"sent_to": sent_to, "expires_in": services.CODE_MINUTES * 60})


@router.post("/token-by-code", response=TokenOut, auth=None)
def create_token_by_code(request, payload: CodeSignInIn):
    """Sign in with a texted code (purpose `sign_in`) instead of a password."""
    user = services.sign_in_with_code(phone=payload.phone, code=payload.code)
    return {"token": services.create_api_token(user=user), "user": user}


@router.post("/password-reset", response={204: None}, auth=None)
def reset_password(request, payload: PasswordResetIn):
    """A new password, with a texted code (purpose `reset`)."""
    services.reset_password(phone=payload.phone, code=payload.code, password=payload.password)
    return Status(204, None)


@router.post("/token", response=TokenOut, auth=None)
def create_token(request, payload: TokenIn):
    """Exchange a phone/email and password for an API token."""
    user = services.sign_in(
        login=payload.login,
        password=payload.password,
        address=client_address(request),
        request=request,
    )
    return {"token": services.create_api_token(user=user), "user": user}


@router.get("/me", response=UserOut, auth=AUTH)
def me(request):
    return request.user


@router.delete("/token", response={204: None}, auth=AUTH)
def revoke_token(request):
    """Sign out an API client: the bearer token used for this call stops working."""
    services.revoke_api_token(authorization=request.headers.get("Authorization", ""))
    return Status(204, None)


my_data = Router(tags=["my data"], auth=AUTH)


class ConsentOut(Schema):
    purpose: str
    granted: bool
    merchant_id: int | None
    source: str
    at: AwareDatetime


class ErasureIn(Schema):
    password: str


@my_data.get("/personal-data", response=dict)
def my_personal_data(request):
    """Everything held about the caller, grouped by table (the same file as the page's download)."""
    return privacy.export_personal_data(user=request.user)


@my_data.get("/consents", response=list[ConsentOut])
def my_consents(request):
    """Each consent given or withdrawn, newest first, with its time, purpose and where."""
    return list(privacy.consent_history(request.user)[:500])


@my_data.post("/erasure", response={204: None})
def erase_me(request, payload: ErasureIn):
    """Anonymise the caller's account (refused while stored value or paid orders are owed)."""
    privacy.erase_personal_data(user=request.user, password=payload.password)
    return Status(204, None)
