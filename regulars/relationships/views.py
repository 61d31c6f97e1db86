"""The merchant's customer directory: search, export, and one customer's profile and timeline."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from regulars.core.errors import DomainError
from regulars.core.forms import form_problems, submit
from regulars.core.web import safe_next
from regulars.customers import behaviour
from regulars.customers import selectors as customer_selectors
from regulars.customers import services as customer_services
from regulars.customers.forms import CustomerForm, RiskFlagForm
from regulars.customers.models import Customer
from regulars.customers.views import on_profile
from regulars.merchants import selectors as merchant_selectors
from regulars.merchants.permissions import Action
from regulars.merchants.web import console_view
from regulars.punchcards import selectors as punch_selectors
from regulars.servicedesk import selectors as desk_selectors

from . import selectors, services
from .forms import (
    CommitmentForm,
    CompleteTaskForm,
    EvaluationForm,
    EventForm,
    HandOverForm,
    IndicatorsForm,
    PlanForm,
    SegmentPlanForm,
    TaskForm,
)
from .models import Commitment, Task


@console_view(Action.VIEW_CUSTOMERS)
def customer(request, actor, customer_id: int):
    found = customer_selectors.merchant_customer(actor.merchant, customer_id)
    staff = merchant_selectors.merchant_staff(actor.merchant)  # read once: four forms list it
    can_edit = actor.can(Action.EDIT_CUSTOMERS)
    form = CustomerForm(
        request.POST if can_edit and request.method == "POST" else None,
        staff=staff,
        initial={
            "name": found.name,
            "birthday": found.birthday,
            "tags": ", ".join(tag.name for tag in found.tags.all()),
            "notes": found.notes,
            "consent": found.consent,
            "account_manager": found.account_manager_id,
            "referred_by": found.referred_by_id,
        },
    )
    if can_edit and submit(
        request,
        form,
        lambda data: customer_services.update_customer(
            actor=actor,
            customer_id=found.pk,
            name=data["name"],
            birthday=data["birthday"],
            tags=form.tag_list(),
            notes=data["notes"],
            consent=data["consent"],
            account_manager_id=data["account_manager"],
            referred_by_id=data["referred_by"],
        ),
    ):
        messages.success(request, _("Saved."))
        return redirect("relationships:customer", customer_id=found.pk)
    return render(
        request,
        "relationships/customer.html",
        {
            "actor": actor,
            "customer": found,
            "contact": customer_selectors.contact(actor, found),
            "form": form if can_edit else None,
            "timeline": selectors.timeline(found, selectors.TIMELINE_PAGE),
            "timeline_page": selectors.TIMELINE_PAGE,
            "punch_cards": punch_selectors.cards_of_customer(actor.merchant, found.consumer_id),
            "can_use_punch": actor.can(Action.USE_TILL),
            "preferences": behaviour.preferences(found),
            "next_offer": behaviour.next_offer(found),
            "value": behaviour.lifetime_value(found),
            "quadrants": customer_selectors.quadrants_of(found),
            "can_campaign": actor.can(Action.MANAGE_CAMPAIGNS),
            "tasks": selectors.customer_tasks(found),
            "task_form": TaskForm(
                staff=staff,
                initial={"assignee": found.account_manager_id or actor.user.pk},
            )
            if can_edit
            else None,
            "done_form": CompleteTaskForm(),
            "risk": customer_selectors.risk_flag_of(found),
            "commitments": list(found.commitments.select_related("promised_by")[:50]),
            "relationship": selectors.relationship_of(found),
            "evaluation_form": EvaluationForm(indicators=services.indicators_of(actor.merchant))
            if can_edit
            else None,
            "plan_form": PlanForm(
                staff=staff,
                initial={"owner": found.account_manager_id or actor.user.pk, "cost": 0},
            )
            if can_edit
            else None,
            "commitment_form": CommitmentForm(
                staff=staff,
                initial={"promised_by": actor.user.pk},
            )
            if can_edit
            else None,
            "risk_form": RiskFlagForm() if can_edit else None,
            "can_clear": actor.can(Action.ASSIGN_CUSTOMERS),
        },
        status=400 if form.errors else 200,
    )


@console_view(Action.VIEW_CUSTOMERS, owns={"customer_id": Customer})
def customer_timeline(request, actor, customer_id: int):
    """The next page of a customer's timeline, older than `before` (ISO 8601), as table rows
    for the customer file's "Show earlier" link."""
    before = parse_datetime(request.GET.get("before", ""))
    if before is None or before.tzinfo is None:
        return HttpResponseBadRequest(_("Give “before” as an ISO 8601 time with its offset."))
    found = customer_selectors.merchant_customer(actor.merchant, customer_id)
    return render(
        request,
        "relationships/timeline_rows.html",
        {
            "customer": found,
            "timeline": selectors.timeline(found, selectors.TIMELINE_PAGE, before=before),
            "timeline_page": selectors.TIMELINE_PAGE,
        },
    )


# ---- account managers: hand-over and tasks ---------------------------------------------------


@console_view(Action.ASSIGN_CUSTOMERS)
def hand_over(request, actor):
    """Give a staff member's customers to colleagues (each gets an introduction task); when
    the staff member is leaving, end their access in the same step."""
    portfolio = selectors.portfolio(actor.merchant)
    form = HandOverForm(
        request.POST or None,
        initial={"from_user": request.GET.get("from")},
        portfolio=portfolio,
        can_deactivate=actor.can(Action.MANAGE_STAFF),
    )

    def run(data):
        if data.get("deactivate"):
            staff_member = next(m for m, _n in portfolio if m.user_id == data["from_user"])
            return services.hand_over_and_deactivate(
                actor=actor,
                staff_member_id=staff_member.pk,
                to_user_ids=data["to_users"],
                reason=data["reason"],
            )
        return services.reassign_customers(
            actor=actor,
            from_user_id=data["from_user"],
            to_user_ids=data["to_users"],
            reason=data["reason"],
        )

    moved = submit(request, form, run)
    if moved:
        messages.success(
            request,
            _("%(n)s customers handed over; each new account manager has a task to call them.")
            % {"n": moved},
        )
        return redirect(f"{reverse('relationships:tasks')}?assignee=0")
    return render(
        request,
        "relationships/hand_over.html",
        {"actor": actor, "form": form, "portfolio": portfolio},
        status=400 if form.errors else 200,
    )


@console_view(Action.VIEW_CUSTOMERS)
def task_list(request, actor):
    """My tasks (managers: anyone's), soonest first, each closed with its outcome."""
    raw = request.GET.get("assignee", "")
    assignee = int(raw) if raw.isdigit() else None
    status = request.GET.get("status", "open")
    status = status if status in ("open", "done", "") else "open"
    return render(
        request,
        "relationships/tasks.html",
        {
            "actor": actor,
            "tasks": selectors.tasks(actor, assignee_id=assignee, status=status),
            "staff": merchant_selectors.merchant_staff(actor.merchant)
            if actor.can(Action.ASSIGN_CUSTOMERS)
            else [],
            "assignee": assignee,
            "status": status,
            "done_form": CompleteTaskForm(),
            "scripts": desk_selectors.articles(actor.merchant, kind="script"),
        },
    )


@console_view(Action.VIEW_CUSTOMERS, owns={"task_id": Task})
def complete_task(request, actor, task_id: int):
    form = CompleteTaskForm(request.POST or None)
    if submit(
        request,
        form,
        lambda data: services.complete_task(
            actor=actor,
            task_id=task_id,
            outcome=data["outcome"],
            satisfaction=data["satisfaction"],
            no_score_reason=data["no_score_reason"],
            item_scores={
                key.removeprefix("item:"): int(value)
                for key, value in request.POST.items()
                if key.startswith("item:") and value.isdigit()
            },
        ),
    ):
        messages.success(request, _("Task done."))
    elif request.method == "POST":
        messages.error(request, form_problems(form) or _("This task cannot be closed."))
    return redirect(safe_next(request, reverse("relationships:tasks")))


@console_view(Action.EDIT_CUSTOMERS, owns={"customer_id": Customer})
def add_task(request, actor, customer_id: int):
    form = TaskForm(request.POST or None, staff=merchant_selectors.merchant_staff(actor.merchant))
    return on_profile(
        request,
        customer_id,
        form,
        lambda data: services.create_task(
            actor=actor,
            customer_id=customer_id,
            kind=data["kind"],
            title=data["title"],
            due_at=data["due_at"],
            assignee_id=data["assignee"],
        ),
        _("Task added."),
    )


# ---- commitments ------------------------------------------------------------------------------


@console_view(Action.EDIT_CUSTOMERS, owns={"customer_id": Customer})
def add_commitment(request, actor, customer_id: int):
    form = CommitmentForm(
        request.POST or None, staff=merchant_selectors.merchant_staff(actor.merchant)
    )
    return on_profile(
        request,
        customer_id,
        form,
        lambda data: services.promise(
            actor=actor,
            customer_id=customer_id,
            what=data["what"],
            due_on=data["due_on"],
            promised_by_id=data["promised_by"],
        ),
        _("Commitment recorded: a reminder comes two days before."),
    )


@console_view(Action.EDIT_CUSTOMERS, owns={"commitment_id": Commitment})
def settle_commitment(request, actor, commitment_id: int):
    if request.method == "POST":
        try:
            found = services.settle_commitment(
                actor=actor,
                commitment_id=commitment_id,
                kept=request.POST.get("kept") == "yes",
                outcome=request.POST.get("outcome", ""),
            )
            return redirect("relationships:customer", customer_id=found.customer_id)
        except DomainError as error:
            messages.error(request, str(error.message))
    return redirect(safe_next(request, reverse("customers:list")))


# ---- customer events --------------------------------------------------------------------------


@console_view(Action.VIEW_CUSTOMERS)
def events(request, actor):
    form = EventForm(request.POST or None, segments=customer_selectors.segments(actor.merchant))
    can_edit = actor.can(Action.EDIT_CUSTOMERS)
    made = can_edit and submit(
        request,
        form,
        lambda data: services.create_event(
            actor=actor,
            theme=data["theme"],
            starts_at=data["starts_at"],
            place=data["place"],
            segment_id=data["segment"],
            gift=data["gift"],
            description=data["description"],
        ),
    )
    if made:
        messages.success(request, _("Invitations sent to each customer's inbox."))
        return redirect("relationships:event", event_id=made.pk)
    return render(
        request,
        "relationships/events.html",
        {
            "actor": actor,
            "events": selectors.events_of(actor.merchant),
            "form": form if can_edit else None,
        },
        status=400 if form.errors else 200,
    )


@console_view(Action.VIEW_CUSTOMERS)
def event(request, actor, event_id: int):
    found = selectors.event_of(actor.merchant, event_id)
    if request.method == "POST" and request.POST.get("invitation", "").isdigit():
        try:
            services.record_attendance(
                actor=actor,
                invitation_id=int(request.POST["invitation"]),
                attended=bool(request.POST.get("attended")),
                gift_given=bool(request.POST.get("gift_given")),
            )
        except DomainError as error:
            messages.error(request, str(error.message))
        return redirect("relationships:event", event_id=found.pk)
    return render(
        request,
        "relationships/event.html",
        {"actor": actor, "event": found, "invitations": selectors.invitations_of(found)},
    )


@login_required
def invitation(request, invitation_id: int):
    """The customer answers an invitation (RSVP)."""
    from regulars.core.errors import NotFound

    try:
        found = selectors.my_invitation(request.user, invitation_id)
        if request.method == "POST":
            services.answer_invitation(
                consumer=request.user,
                invitation_id=found.pk,
                coming=request.POST.get("coming") == "yes",
            )
            messages.success(request, _("Thank you for letting the shop know."))
            return redirect("invitations:invitation", invitation_id=found.pk)
    except NotFound:
        raise Http404() from None
    except DomainError as error:
        messages.error(request, str(error.message))
    return render(request, "relationships/invitation.html", {"invitation": found})


# ---- the relationship evaluation and maintenance plans ----------------------------------------


@console_view(Action.EDIT_CUSTOMERS, owns={"customer_id": Customer})
def evaluate(request, actor, customer_id: int):
    form = EvaluationForm(request.POST or None, indicators=services.indicators_of(actor.merchant))
    return on_profile(
        request,
        customer_id,
        form,
        lambda data: services.evaluate_relationship(
            actor=actor,
            customer_id=customer_id,
            scores=form.scores(),
            decision=data["decision"],
            note=data["note"],
        ),
        _("Evaluation saved on the customer's archive."),
    )


@console_view(Action.EDIT_CUSTOMERS, owns={"customer_id": Customer})
def propose_plan(request, actor, customer_id: int):
    form = PlanForm(request.POST or None, staff=merchant_selectors.merchant_staff(actor.merchant))
    return on_profile(
        request,
        customer_id,
        form,
        lambda data: services.propose_plan(
            actor=actor,
            customer_id=customer_id,
            methods=data["methods"],
            measures=data["measures"],
            owner_id=data["owner"],
            cost=data["cost"],
        ),
        _("Plan proposed: a manager approves it."),
    )


@console_view(Action.EDIT_CUSTOMERS)
def plan_step(request, actor, plan_id: int):
    """Approve or reject (managers), or close with the summary."""
    found = selectors.plan_of(actor.merchant, plan_id)
    back = (
        redirect("relationships:customer", customer_id=found.customer_id)
        if found.customer_id and request.POST.get("back") != "plans"
        else redirect("relationships:plans")
    )
    if request.method != "POST":
        return back
    step = request.POST.get("step")
    try:
        if step == "close":
            services.close_plan(
                actor=actor, plan_id=found.pk, summary=request.POST.get("summary", "")
            )
        else:
            services.decide_plan(actor=actor, plan_id=found.pk, approve=step == "approve")
    except DomainError as error:
        messages.error(request, str(error.message))
    return back


@console_view(Action.VIEW_CUSTOMERS)
def plans(request, actor):
    """Every maintenance plan, those waiting for approval first; plans for a whole segment."""
    form = SegmentPlanForm(
        request.POST or None,
        staff=merchant_selectors.merchant_staff(actor.merchant),
        segments=customer_selectors.segments(actor.merchant),
    )
    can_edit = actor.can(Action.EDIT_CUSTOMERS)
    if can_edit and submit(
        request,
        form,
        lambda data: services.propose_plan(
            actor=actor,
            segment_id=data["segment"],
            methods=data["methods"],
            measures=data["measures"],
            owner_id=data["owner"],
            cost=data["cost"],
        ),
    ):
        messages.success(request, _("Plan proposed: a manager approves it here."))
        return redirect("relationships:plans")
    return render(
        request,
        "relationships/plans.html",
        {
            "actor": actor,
            "plans": selectors.plans_of(actor.merchant),
            "form": form if can_edit else None,
            "can_approve": actor.can(Action.ASSIGN_CUSTOMERS),
        },
        status=400 if form.errors else 200,
    )


@console_view(Action.CONFIGURE_CUSTOMERS)
def indicators(request, actor):
    form = IndicatorsForm(request.POST or None, indicators=services.indicators_of(actor.merchant))
    if submit(
        request,
        form,
        lambda data: services.save_indicators(actor=actor, rows=form.indicators()),
    ):
        messages.success(request, _("Evaluation indicators saved."))
        return redirect("relationships:indicators")
    return render(
        request,
        "relationships/indicators.html",
        {"actor": actor, "form": form},
        status=400 if form.errors else 200,
    )
