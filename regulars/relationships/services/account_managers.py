"""Writes for account managers and their tasks."""

import datetime as dt

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from regulars.core import clock
from regulars.core.errors import DomainError, NotFound
from regulars.customers.behaviour import settings_of
from regulars.customers.events import customers_reassigned
from regulars.customers.models import Customer
from regulars.customers.services import customer_for, customer_of
from regulars.merchants import selectors as merchant_selectors
from regulars.merchants import services as merchant_services
from regulars.merchants.models import StaffMember
from regulars.merchants.permissions import Action, StaffContext
from regulars.notifications import services as notifications
from regulars.relationships.errors import Problem
from regulars.servicedesk import selectors as desk_selectors
from regulars.servicedesk import services as desk

from ..models import OwnershipChange, Task, TaskKind, TaskStatus
from ..selectors import task_items

HANDOVER_DAYS = 3  # a new account manager calls each inherited customer within three days


def reassign_customers(
    *,
    actor: StaffContext,
    from_user_id: int,
    to_user_ids: list[int],
    reason: str = "",
    customer_ids: list[int] | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Hand a staff member's customers (all, or the ones named) to one or more colleagues,
    spread evenly. Each move is audited and gives the new owner a task to introduce themselves
    within three days (seed 001: a departing manager's "orphans" are redistributed and each
    gets a follow-up). Returns how many customers moved."""
    actor.require(Action.ASSIGN_CUSTOMERS)
    now = now or clock.now()
    staff = merchant_selectors.active_staff_ids(actor.merchant)
    targets = list(dict.fromkeys(to_user_ids))
    if not targets:
        raise DomainError(
            _("Choose who takes the customers over."),
            field="to_user_ids",
            code=Problem.CHOICE_REQUIRED,
        )
    if from_user_id in targets:
        raise DomainError(
            _("Choose someone other than the person handing over."),
            field="to_user_ids",
            code=Problem.CHOICE_REQUIRED,
        )
    if not set(targets) <= staff:
        raise DomainError(
            _("Choose active members of your staff."),
            field="to_user_ids",
            code=Problem.UNKNOWN_CHOICE,
        )
    with transaction.atomic():
        mine = Customer.objects.select_for_update().filter(
            merchant=actor.merchant, account_manager_id=from_user_id
        )
        if customer_ids is not None:
            mine = mine.filter(pk__in=customer_ids)
        moving = list(mine.order_by("-spend", "id"))
        if not moving:
            raise DomainError(
                _("They look after no customers to hand over."),
                field="from_user_id",
                code=Problem.NOTHING_TO_DO,
            )
        load = dict(
            Customer.objects.filter(merchant=actor.merchant, account_manager_id__in=targets)
            .values_list("account_manager_id")
            .annotate(n=models.Count("id"))
        )
        changes, tasks = [], []
        for customer in moving:  # biggest spenders first, each to the least loaded colleague
            owner = min(targets, key=lambda user: (load.get(user, 0), targets.index(user)))
            load[owner] = load.get(owner, 0) + 1
            customer.account_manager_id = owner
            changes.append(
                OwnershipChange(
                    merchant=actor.merchant,
                    customer=customer,
                    before_id=from_user_id,
                    after_id=owner,
                    changed_by=actor.user,
                    reason=(reason or "").strip()[:200],
                    at=now,
                )
            )
            tasks.append(
                Task(
                    merchant=actor.merchant,
                    customer=customer,
                    assignee_id=owner,
                    kind=TaskKind.HANDOVER,
                    title=_("Call %(name)s: introduce yourself as their new account manager")
                    % {"name": customer},
                    due_at=now + dt.timedelta(days=HANDOVER_DAYS),
                    created_by=actor.user,
                )
            )
        Customer.objects.bulk_update(moving, ["account_manager"], batch_size=1000)
        OwnershipChange.objects.bulk_create(changes, batch_size=1000)
        Task.objects.bulk_create(tasks, batch_size=1000)
        customers_reassigned.send(
            sender=OwnershipChange,
            merchant_id=actor.merchant.pk,
            changed_by=actor.user,
            reason=reason,
            moves=[(c.customer_id, c.before_id, c.after_id) for c in changes],
        )
    return len(moving)


def hand_over_and_deactivate(
    *, actor: StaffContext, staff_member_id: int, to_user_ids: list[int], reason: str = ""
) -> int:
    """A staff member leaves: their customers go to colleagues, then their access ends."""
    staff_member = StaffMember.objects.filter(pk=staff_member_id, merchant=actor.merchant).first()
    if staff_member is None:
        raise NotFound()
    with transaction.atomic():
        moved = 0
        if Customer.objects.filter(
            merchant=actor.merchant, account_manager_id=staff_member.user_id
        ).exists():
            moved = reassign_customers(
                actor=actor,
                from_user_id=staff_member.user_id,
                to_user_ids=to_user_ids,
                reason=reason,
            )
        merchant_services.change_staff_role(
            actor=actor, staff_member_id=staff_member.pk, role=staff_member.role, is_active=False
        )
    return moved


def refuse_orphans(merchant_id: int, user_id: int) -> None:
    """Nobody leaves while customers still count on them."""
    count = Customer.objects.filter(merchant_id=merchant_id, account_manager_id=user_id).count()
    if count:
        raise DomainError(
            _(
                "They still look after %(n)s customers: hand them to a colleague first "
                "(Customers → Hand over)."
            )
            % {"n": count},
            code=Problem.HAS_CUSTOMERS,
        )


def create_task(
    *,
    actor: StaffContext,
    customer_id: int,
    kind: str,
    title: str,
    due_at: dt.datetime,
    assignee_id: int | None = None,
):
    actor.require(Action.EDIT_CUSTOMERS)
    customer = customer_of(actor, customer_id)
    assignee_id = assignee_id or actor.user.pk
    if assignee_id != actor.user.pk:
        actor.require(Action.ASSIGN_CUSTOMERS)
    if assignee_id not in merchant_selectors.active_staff_ids(actor.merchant):
        raise DomainError(
            _("Choose an active member of your staff."),
            field="assignee_id",
            code=Problem.UNKNOWN_CHOICE,
        )
    if kind not in TaskKind.values:
        raise DomainError(
            _("Choose what is to be done."), field="kind", code=Problem.CHOICE_REQUIRED
        )
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise DomainError(
            _("Say what is to be done (at most 200 characters)."),
            field="title",
            code=Problem.TOO_LONG,
        )
    if due_at < clock.now() - dt.timedelta(days=1):
        raise DomainError(_("The due date has passed."), field="due_at", code=Problem.BAD_TIME)
    return Task.objects.create(
        merchant=actor.merchant,
        customer=customer,
        assignee_id=assignee_id,
        kind=kind,
        title=title,
        due_at=due_at,
        created_by=actor.user,
    )


def _task(actor: StaffContext, task_id: int):
    found = Task.objects.filter(pk=task_id, merchant=actor.merchant).first()
    if found is None:
        raise NotFound()
    if found.assignee_id != actor.user.pk:
        actor.require(Action.ASSIGN_CUSTOMERS)
    return found


def complete_task(
    *,
    actor: StaffContext,
    task_id: int,
    outcome: str,
    satisfaction: int | None = None,
    item_scores: dict[str, int] | None = None,
    no_score_reason: str = "",
):
    """Log what happened (and, for a call or visit, how satisfied the customer was, overall
    and with each service of the visit). The follow-up call after a complaint closes only with
    the customer's satisfaction, or the reason none could be had (seed 004: a complaint's file
    ends with how satisfied the customer was)."""
    actor.require(Action.VIEW_CUSTOMERS)
    with transaction.atomic():
        task = _task(actor, task_id)
        task = type(task).objects.select_for_update().get(pk=task.pk)
        if task.status != TaskStatus.OPEN:
            raise DomainError(_("This task is already closed."), code=Problem.WRONG_STATE)
        outcome = (outcome or "").strip()
        if not outcome:
            raise DomainError(_("Say how it went."), field="outcome", code=Problem.REQUIRED)
        if satisfaction is not None and not 1 <= satisfaction <= 5:
            raise DomainError(
                _("A rating from 1 to 5."), field="satisfaction", code=Problem.OUT_OF_RANGE
            )
        if task.ticket_id:
            satisfaction, no_score_reason = desk.call_result(satisfaction, no_score_reason)
        item_scores = {name: score for name, score in (item_scores or {}).items() if score}

        if set(item_scores) - set(task_items(task)) or any(
            not 1 <= score <= 5 for score in item_scores.values()
        ):
            raise DomainError(
                _("Score each service from 1 to 5."), field="item_scores", code=Problem.OUT_OF_RANGE
            )
        task.status, task.outcome = TaskStatus.DONE, outcome[:2000]
        task.satisfaction, task.done_at = satisfaction, clock.now()
        task.item_scores = item_scores
        task.save(update_fields=["status", "outcome", "satisfaction", "done_at", "item_scores"])
        if task.ticket_id:  # the follow-up call after a complaint closes it
            desk.record_follow_up_call(
                actor,
                desk.ticket_for_update(actor, task.ticket_id, lock=True),
                satisfaction=satisfaction,
                no_score_reason=no_score_reason,
                note=task.outcome,
                now=task.done_at,
            )
    return task


def plan_follow_up_call(order) -> None:
    """The day after an online order is used, someone calls the customer back (seed 001: every
    customer is called back after service and scores each service) — if the shop wants it.
    The call goes to the customer's account manager, else to whoever served them."""
    if not settings_of(order.merchant).follow_up_after_visit:
        return
    desk_hours = desk_selectors.desk_settings_of(order.merchant)
    customer = customer_for(merchant_id=order.merchant_id, consumer=order.consumer, source="order")
    staff = merchant_selectors.active_staff_ids(order.merchant)
    candidates = [customer.account_manager_id, order.consumed_by_id]
    caller_id = next((user for user in candidates if user and user in staff), None)
    if caller_id is None:
        owners = merchant_selectors.staff_in_roles(order.merchant, ["owner"])
        if not owners:
            return
        caller_id = owners[0].pk
    names = "、".join(order.lines.values_list("name", flat=True)[:3])
    Task.objects.create(
        merchant_id=order.merchant_id,
        customer=customer,
        assignee_id=caller_id,
        kind=TaskKind.FOLLOW_UP,
        title=_("Follow-up call to %(customer)s: how was %(services)s?")
        % {"customer": customer, "services": names},
        due_at=desk.add_business_hours(
            (order.consumed_at or clock.now()) + dt.timedelta(days=1),
            0,
            desk_hours.opens,
            desk_hours.closes,
        ),
        order=order,
    )


def remind_due_tasks(*, now: dt.datetime | None = None) -> int:
    """Periodic: each open task due within a day (or overdue) reminds its assignee once, in
    their inbox."""

    now = now or clock.now()
    due = Task.objects.filter(
        status=TaskStatus.OPEN, reminded_at__isnull=True, due_at__lte=now + dt.timedelta(days=1)
    ).select_related("customer", "assignee")
    sent = 0
    for task in due[:1000]:
        notifications.notify(
            user=task.assignee,
            title=_("Due %(when)s: %(task)s")
            % {"when": f"{timezone.localtime(task.due_at):%m-%d %H:%M}", "task": task.title},
            link=f"/console/tasks/#task-{task.pk}",
            dedupe_key=f"task-reminder:{task.pk}",
        )
        Task.objects.filter(pk=task.pk).update(reminded_at=now)
        sent += 1
    return sent


def plan_complaint_call(ticket, *, by) -> None:
    """A complaint answered waits for its follow-up call: a task for its owner, due when the
    answering stage is."""
    if not ticket.customer_id:
        return
    Task.objects.create(
        merchant_id=ticket.merchant_id,
        customer_id=ticket.customer_id,
        assignee_id=ticket.owner_id,
        kind=TaskKind.FOLLOW_UP,
        title=_("Follow-up call on complaint %(number)s: is the customer satisfied?")
        % {"number": ticket.number},
        due_at=ticket.stage_due_at,
        created_by=by,
        ticket=ticket,
    )


def settle_complaint_calls(ticket, *, note: str, satisfaction: int | None, at) -> None:
    """A call recorded on the complaint itself settles the call task planned for it."""
    Task.objects.filter(ticket=ticket, status=TaskStatus.OPEN).update(
        status=TaskStatus.DONE, outcome=note, satisfaction=satisfaction, done_at=at
    )
