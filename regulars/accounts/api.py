from ninja import Router, Schema
from ninja.responses import Status

from regulars.core.api import AUTH
from regulars.core.throttle import client_address

from . import services

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
