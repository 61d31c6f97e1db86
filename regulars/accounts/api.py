from ninja import Router, Schema
from ninja.responses import Status
from pydantic import AwareDatetime

from regulars.core.api import AUTH
from regulars.core.throttle import client_address

from . import privacy, services

router = Router(tags=["accounts"])


class SignUpIn(Schema):
    login: str
    password: str
    display_name: str = ""


class TokenIn(Schema):
    login: str
    password: str


class UserOut(Schema):
    id: int
    display_name: str
    phone: str | None
    email: str | None


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
    )
    return Status(201, {"token": services.create_api_token(user=user), "user": user})


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
