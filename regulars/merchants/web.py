"""The merchant side's web plumbing: who is acting for which merchant, for pages
(`console_view`) and for the API (`actor_for`). Both take the merchant from the signed-in staff
member's role row, never from the address alone."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from regulars.core.errors import DomainError, NotFound, PermissionDenied
from regulars.merchants.errors import Problem

from . import selectors
from .permissions import Action, staff_context


def console_view(action: str = Action.VIEW_CONSOLE, owns: dict | None = None):
    """Resolve the signed-in staff member's merchant from their staff role; check the role.

    `owns` maps URL arguments to the merchant-owned model they name (`{"customer_id":
    Customer}`): another merchant's id is a 404 before the view reads or validates anything."""

    def decorate(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            actor = staff_context(request.user, request.session.get("merchant_id"))
            if actor is None:
                actor = staff_context(request.user)
            if actor is None:
                return redirect("console:join")
            for argument, model in (owns or {}).items():
                if not selectors.belongs_to(model, kwargs[argument], actor.merchant):
                    raise Http404()
            if not actor.can(action):
                messages.error(request, _("Your role does not allow this."))
                return redirect("workbench:today")
            try:
                return view(request, actor, *args, **kwargs)
            except NotFound:
                raise Http404() from None
            except PermissionDenied as error:
                messages.error(request, str(error.message))
                return redirect("workbench:today")

        return wrapper

    return decorate


def actor_for(request: HttpRequest):
    """The caller's staff context, from their staff role; 404 when they have none there."""
    raw = request.headers.get("X-Merchant-Id")
    merchant_id = None
    if raw:
        try:
            merchant_id = int(raw)
        except ValueError:
            raise DomainError(
                _("X-Merchant-Id must be a number."), field="X-Merchant-Id", code=Problem.BAD_FORMAT
            ) from None
    actor = staff_context(request.user, merchant_id)
    if actor is None:
        raise NotFound(_("You are not staff of this merchant."))
    return actor
