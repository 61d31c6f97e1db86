"""The team in the API: the shop's people (profile, services, hours, photo) and commission rules
for the console; the people a consumer can book with, for discovery."""

from decimal import Decimal

from ninja import Field, File, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from regulars.accounts.auth import AUTH
from regulars.merchants.permissions import Action
from regulars.merchants.services import HoursRange, parse_time
from regulars.merchants.web import actor_for

from . import selectors, services

console = Router(tags=["console: team"], auth=AUTH)
public = Router(tags=["discovery"])


class WorkingHoursIO(Schema):
    weekday: int = Field(..., description="0 Monday … 6 Sunday")
    starts: str = Field(..., description="HH:MM")
    ends: str = Field(..., description="HH:MM")


class TeamMemberIn(Schema):
    store_id: int
    name: str
    title: str = ""
    bio: str = ""
    item_ids: list[int] = Field([], description="The services this person performs")
    user_id: int | None = Field(None, description="Their console account, if they have one")
    capacity: int = Field(1, description="Customers they serve at once")
    bookable: bool = Field(True, description="Consumers can choose them when booking")
    is_active: bool = True
    hours: list[WorkingHoursIO] | None = Field(
        None, description="Weekly hours; none: whenever the store is open; omitted: unchanged"
    )


class PublicMemberOut(Schema):
    id: int
    name: str
    title: str
    bio: str
    photo_url: str | None
    item_ids: list[int]
    hours: list[WorkingHoursIO]

    @staticmethod
    def resolve_photo_url(obj):
        return obj.photo.url if obj.photo else None

    @staticmethod
    def resolve_item_ids(obj):
        held = getattr(obj, "services", None)
        return [item.pk for item in (held if held is not None else obj.items.all())]

    @staticmethod
    def resolve_hours(obj):
        return [
            {"weekday": h.weekday, "starts": f"{h.starts:%H:%M}", "ends": f"{h.ends:%H:%M}"}
            for h in obj.hours.all()
        ]


class TeamMemberOut(PublicMemberOut):
    store_id: int
    user_id: int | None
    capacity: int
    bookable: bool
    is_active: bool


class CommissionRuleIn(Schema):
    kind: str = Field(
        ...,
        description="service, section, default, stored_value, punch_card or package",
    )
    basis: str = Field(..., description="`percent` of what was paid, or `fixed` per unit")
    value: Decimal = Field(..., description="10 = 10 %, or yuan per unit")
    item_id: int | None = Field(None, description="For `service`")
    section: str = Field("", description="For `section`: the menu section's name")


class CommissionRuleOut(Schema):
    id: int
    kind: str
    basis: str
    value: Decimal
    item_id: int | None
    section: str


def _input(payload: TeamMemberIn) -> services.MemberInput:
    data = payload.dict()
    hours = data.pop("hours")
    return services.MemberInput(
        **data,
        hours=None
        if hours is None
        else [
            HoursRange(
                h["weekday"],
                parse_time(h["starts"], f"hours.{n}"),
                parse_time(h["ends"], f"hours.{n}"),
            )
            for n, h in enumerate(hours)
        ],
    )


@console.get("/team-members", response=list[TeamMemberOut])
def list_members(request, store_id: int | None = None):
    actor = actor_for(request)
    return selectors.team_of(actor.merchant, store_id)


@console.post("/team-members", response={201: TeamMemberOut})
def add_member(request, payload: TeamMemberIn):
    member = services.save_member(actor=actor_for(request), data=_input(payload))
    return Status(201, selectors.merchant_member(member.merchant, member.pk))


@console.put("/team-members/{team_member_id}", response=TeamMemberOut)
def change_member(request, team_member_id: int, payload: TeamMemberIn):
    actor = actor_for(request)
    services.save_member(actor=actor, data=_input(payload), member_id=team_member_id)
    return selectors.merchant_member(actor.merchant, team_member_id)


@console.post("/team-members/{team_member_id}/photo", response=TeamMemberOut)
def upload_photo(request, team_member_id: int, image: File[UploadedFile]):
    actor = actor_for(request)
    services.set_photo(actor=actor, member_id=team_member_id, upload=image)
    return selectors.merchant_member(actor.merchant, team_member_id)


@console.get("/commission-rules", response=list[CommissionRuleOut])
def list_rules(request):
    actor = actor_for(request)
    actor.require(Action.VIEW_REPORTS)
    return selectors.rules_of(actor.merchant)


@console.post("/commission-rules", response={201: CommissionRuleOut})
def save_rule(request, payload: CommissionRuleIn):
    rule = services.save_rule(actor=actor_for(request), data=services.RuleInput(**payload.dict()))
    return Status(201, rule)


@console.delete("/commission-rules/{commission_rule_id}", response={204: None})
def delete_rule(request, commission_rule_id: int):
    services.delete_rule(actor=actor_for(request), rule_id=commission_rule_id)
    return Status(204, None)


@public.get("/stores/{store_id}/staff", response=list[PublicMemberOut], auth=None)
def store_staff(request, store_id: int):
    """The people a consumer can book with at a store: name, photo, title, services, hours."""
    return selectors.public_team(store_id)
