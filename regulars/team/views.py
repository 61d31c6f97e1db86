"""The team in the console: people (profile, photo, services, hours) and commission rules."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from regulars.core.forms import submit
from regulars.merchants import selectors as merchant_selectors
from regulars.merchants.models import CatalogItem
from regulars.merchants.permissions import Action
from regulars.merchants.web import console_view

from . import selectors, services
from .forms import MemberForm, RuleForm
from .models import TeamMember


def _items(merchant):
    return list(
        CatalogItem.objects.filter(merchant=merchant, is_active=True)
        .select_related("store")
        .order_by("store_id", "position", "id")
    )


def _member_form(request, actor, member: TeamMember | None):
    initial = {"store_id": None, "capacity": 1, "bookable": True, "is_active": True}
    if member is not None:
        initial = {
            field: getattr(member, field)
            for field in ("store_id", "name", "title", "bio", "capacity", "bookable", "is_active")
        }
        initial["user_id"] = member.user_id
        initial["item_ids"] = [item.pk for item in member.items.all()]
        for hours in member.hours.all():
            initial[f"starts_{hours.weekday}"] = hours.starts
            initial[f"ends_{hours.weekday}"] = hours.ends
    return MemberForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        stores=merchant_selectors.merchant_stores(actor.merchant),
        items=_items(actor.merchant),
        accounts=[staff.user for staff in merchant_selectors.merchant_staff(actor.merchant)],
    )


def _save(actor, member_id, form):
    data = form.cleaned_data
    fields = {k: data[k] for k in services.MemberInput.__dataclass_fields__ if k in data}
    return services.save_member(
        actor=actor,
        data=services.MemberInput(**fields, hours=form.hours()),
        member_id=member_id,
        photo=data.get("photo") or None,
    )


@console_view(Action.VIEW_CONSOLE)
def team(request, actor):
    """Everyone who serves customers, with their services and hours; a new person."""
    form = _member_form(request, actor, None)
    if request.method == "POST":
        actor.require(Action.MANAGE_STORES)
        if submit(request, form, lambda _data: _save(actor, None, form)):
            messages.success(request, _("Saved."))
            return redirect("team:list")
    return render(
        request,
        "team/team.html",
        {
            "actor": actor,
            "members": selectors.team_of(actor.merchant),
            "form": form,
            "may_edit": actor.can(Action.MANAGE_STORES),
        },
        status=400 if form.errors else 200,
    )


@console_view(Action.MANAGE_STORES, owns={"team_member_id": TeamMember})
def member(request, actor, team_member_id: int):
    found = selectors.merchant_member(actor.merchant, team_member_id)
    form = _member_form(request, actor, found)
    if submit(request, form, lambda _data: _save(actor, found.pk, form)):
        messages.success(request, _("Saved."))
        return redirect("team:list")
    return render(
        request,
        "team/member.html",
        {"actor": actor, "member": found, "form": form},
        status=400 if form.errors else 200,
    )


@console_view(Action.VIEW_REPORTS)
def commissions(request, actor):
    """The commission rules: what each kind of line earns the person who served it."""
    form = RuleForm(request.POST or None, items=_items(actor.merchant))
    if request.method == "POST":
        if "delete" in request.POST:
            raw = request.POST["delete"]
            services.delete_rule(actor=actor, rule_id=int(raw) if raw.isdigit() else 0)
            messages.success(request, _("Removed."))
            return redirect("team:commissions")
        actor.require(Action.MANAGE_STAFF)
        if submit(
            request,
            form,
            lambda data: services.save_rule(actor=actor, data=services.RuleInput(**data)),
        ):
            messages.success(request, _("Saved."))
            return redirect("team:commissions")
    return render(
        request,
        "team/commissions.html",
        {
            "actor": actor,
            "rules": selectors.rules_of(actor.merchant),
            "form": form,
            "may_edit": actor.can(Action.MANAGE_STAFF),
        },
        status=400 if form.errors else 200,
    )
