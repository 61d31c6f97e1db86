"""The merchant's customer directory: search, export, and one customer's profile and timeline."""

from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from regulars.core import boundary, clock, csvfile
from regulars.core.errors import DomainError
from regulars.core.forms import form_problems, submit
from regulars.core.web import safe_next
from regulars.merchants import selectors as merchant_selectors
from regulars.merchants.permissions import Action
from regulars.merchants.web import console_view

from . import behaviour, selectors, services
from .forms import (
    AdvanceTicketForm,
    ArticleForm,
    CommitmentForm,
    ComplaintForm,
    CompleteTaskForm,
    CorrectiveActionForm,
    CustomerForm,
    DeskSettingsForm,
    DirectorySettingsForm,
    EvaluationForm,
    EventForm,
    GreetingsForm,
    HandOverForm,
    IndicatorsForm,
    MappingForm,
    MessageForm,
    PlanForm,
    RiskFlagForm,
    SearchForm,
    SegmentPlanForm,
    StaffTicketForm,
    SurveyForm,
    TaskForm,
    UploadForm,
    ValueLevelsForm,
)
from .models import Commitment, CorrectiveAction, Customer, Task

PAGE = 100


def _filters(form: SearchForm, actor) -> selectors.Filters:
    partial_phone = actor.can(Action.VIEW_CUSTOMER_CONTACT)
    if not form.is_valid():
        return selectors.Filters(partial_phone=partial_phone)
    data = form.cleaned_data
    return selectors.Filters(
        partial_phone=partial_phone,
        q=data["q"].strip(),
        tag=data["tag"],
        source=data["source"],
        min_spend=data["min_spend"],
        min_visits=data["min_visits"],
        seen_after=data["seen_after"],
        seen_before=data["seen_before"],
        manager_id=data["manager"],
        silent_days=data["silent_days"],
        tier_id=data["tier"],
        rfm_segment=data["rfm_segment"],
        churn_risk=data["churn_risk"],
        value_level_id=data["value_level"],
        quadrant=data["quadrant"],
        at_risk=data["at_risk"],
        sort=data["sort"] or "recent",
    )


def _search_form(request, actor) -> SearchForm:
    from regulars.membership import selectors as card_selectors

    program = card_selectors.program_of(actor.merchant)
    return SearchForm(
        request.GET or None,
        tags=selectors.tags(actor.merchant),
        staff=merchant_selectors.merchant_staff(actor.merchant),
        tiers=list(program.tiers.all()) if program else [],
        levels=selectors.value_levels(actor.merchant),
    )


@console_view(Action.VIEW_CUSTOMERS)
def count(request, actor):
    """The live count beside the criteria, as they change (htmx)."""
    found = selectors.search(actor.merchant, _filters(_search_form(request, actor), actor))
    return render(request, "crm/count.html", {"total": found.count()})


@console_view(Action.EDIT_CUSTOMERS)
def save_segment(request, actor):
    if request.method != "POST":
        return redirect("customers:segments")
    filters = _filters(_search_form(request, actor), actor)
    try:
        segment = services.save_segment(
            actor=actor, name=request.POST.get("segment_name", ""), rules=filters.to_rules()
        )
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect(f"{reverse('customers:list')}?{request.GET.urlencode()}")
    messages.success(request, _("Segment “%(name)s” saved.") % {"name": segment.name})
    return redirect("customers:segments")


@console_view(Action.VIEW_CUSTOMERS)
def segments(request, actor):
    if request.method == "POST" and request.POST.get("delete", "").isdigit():
        try:
            services.delete_segment(actor=actor, segment_id=int(request.POST["delete"]))
        except DomainError as error:
            messages.error(request, str(error.message))
        return redirect("customers:segments")
    return render(
        request,
        "crm/segments.html",
        {"actor": actor, "segments": selectors.segments(actor.merchant)},
    )


@console_view(Action.VIEW_CUSTOMERS)
def customers(request, actor):
    form = _search_form(request, actor)
    found = selectors.search(actor.merchant, _filters(form, actor))
    rows = [(c, selectors.contact(actor, c)) for c in found[:PAGE]]
    return render(
        request,
        "crm/customers.html",
        {
            "actor": actor,
            "form": form,
            "rows": rows,
            "flagged": selectors.flagged_ids(actor.merchant, [c.pk for c, _shown in rows]),
            "total": found.count(),
            "query": request.GET.urlencode(),
        },
    )


@console_view(Action.VIEW_CUSTOMERS)
def export(request, actor):
    """The search's result as CSV (Excel opens it: UTF-8 with a byte-order mark)."""
    found = selectors.search(actor.merchant, _filters(_search_form(request, actor), actor))
    header = [
        _("Name"),
        _("Phone"),
        _("Birthday"),
        _("Tags"),
        _("Came from"),
        _("Visits"),
        _("Spend"),
        _("Last visit"),
        _("Account manager"),
        _("Agreed to receive offers"),
    ]

    def rows():
        for customer in found.iterator(chunk_size=2000):
            shown = selectors.contact(actor, customer)
            yield [
                customer.name,
                shown["phone"],
                shown["birthday"],
                " ".join(tag.name for tag in customer.tags.all()),
                customer.get_source_display(),
                customer.visits,
                customer.spend,
                f"{timezone.localtime(customer.last_seen_at):%Y-%m-%d}"
                if customer.last_seen_at
                else "",
                str(customer.account_manager or ""),
                _("yes") if customer.consent else _("no"),
            ]

    return csvfile.response("customers.csv", header, rows())


@console_view(Action.VIEW_CUSTOMERS)
def customer(request, actor, customer_id: int):
    found = selectors.merchant_customer(actor.merchant, customer_id)
    can_edit = actor.can(Action.EDIT_CUSTOMERS)
    form = CustomerForm(
        request.POST if can_edit and request.method == "POST" else None,
        staff=merchant_selectors.merchant_staff(actor.merchant),
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
        lambda data: services.update_customer(
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
        return redirect("customers:customer", customer_id=found.pk)
    return render(
        request,
        "crm/customer.html",
        {
            "actor": actor,
            "customer": found,
            "contact": selectors.contact(actor, found),
            "form": form if can_edit else None,
            "timeline": selectors.timeline(found),
            "preferences": behaviour.preferences(found),
            "next_offer": behaviour.next_offer(found),
            "value": behaviour.lifetime_value(found),
            "quadrants": selectors.quadrants_of(found),
            "can_campaign": actor.can(Action.MANAGE_CAMPAIGNS),
            "tasks": selectors.customer_tasks(found),
            "task_form": TaskForm(
                staff=merchant_selectors.merchant_staff(actor.merchant),
                initial={"assignee": found.account_manager_id or actor.user.pk},
            )
            if can_edit
            else None,
            "done_form": CompleteTaskForm(),
            "risk": selectors.risk_flag_of(found),
            "commitments": list(found.commitments.select_related("promised_by")[:50]),
            "relationship": selectors.relationship_of(found),
            "evaluation_form": EvaluationForm(indicators=services.indicators_of(actor.merchant))
            if can_edit
            else None,
            "plan_form": PlanForm(
                staff=merchant_selectors.merchant_staff(actor.merchant),
                initial={"owner": found.account_manager_id or actor.user.pk, "cost": 0},
            )
            if can_edit
            else None,
            "commitment_form": CommitmentForm(
                staff=merchant_selectors.merchant_staff(actor.merchant),
                initial={"promised_by": actor.user.pk},
            )
            if can_edit
            else None,
            "risk_form": RiskFlagForm() if can_edit else None,
            "can_clear": actor.can(Action.ASSIGN_CUSTOMERS),
        },
        status=400 if form.errors else 200,
    )


# ---- importing a spreadsheet ------------------------------------------------------------------


@console_view(Action.EDIT_CUSTOMERS)
def imports(request, actor):
    form = UploadForm(request.POST or None, request.FILES or None)
    started = submit(
        request,
        form,
        lambda data: services.start_import(
            actor=actor, filename=data["file"].name, content=data["file"].read()
        ),
    )
    if started:
        return redirect("customers:import", import_id=started.pk)
    return render(
        request,
        "crm/imports.html",
        {"actor": actor, "form": form, "imports": selectors.imports_of(actor.merchant)},
        status=400 if form.errors else 200,
    )


@console_view(Action.EDIT_CUSTOMERS)
def import_detail(request, actor, import_id: int):
    """Map columns and preview (before), follow the progress (while), errors and undo (after)."""
    job = selectors.import_of(actor.merchant, import_id)
    action = request.POST.get("action")
    if request.method == "POST" and action == "undo":
        try:
            services.undo_import(actor=actor, import_id=job.pk)
            messages.success(request, _("The import was undone."))
        except DomainError as error:
            messages.error(request, str(error.message))
        return redirect("customers:import", import_id=job.pk)
    preview = selectors.preview(job) if job.status == "uploaded" else None
    form = MappingForm(
        request.POST if action in ("map", "run") else None,
        headers=preview.headers if preview else [],
        initial={field: str(index) for field, index in job.mapping.items()},
    )
    if (
        preview
        and action in ("map", "run")
        and submit(
            request,
            form,
            lambda data: services.set_mapping(
                actor=actor, import_id=job.pk, mapping=form.mapping()
            ),
        )
    ):
        if action == "run":
            try:
                services.confirm_import(actor=actor, import_id=job.pk)
            except DomainError as error:
                messages.error(request, str(error.message))
        return redirect("customers:import", import_id=job.pk)
    template = (
        "crm/import_progress.html" if request.headers.get("HX-Request") else "crm/import.html"
    )
    return render(
        request,
        template,
        {"actor": actor, "job": job, "preview": preview, "form": form},
        status=400 if form.errors else 200,
    )


@console_view(Action.VIEW_CUSTOMERS)
def key_accounts(request, actor):
    """The top customers who bring 80% of the revenue, with a Pareto chart."""
    found = selectors.key_accounts(actor.merchant)
    return render(
        request,
        "crm/key_accounts.html",
        {
            "actor": actor,
            "key": found,
            "rows": [(c, selectors.contact(actor, c)) for c in found.customers[:500]],
            "chart": {
                "pareto": found.pareto,
                "labels": {
                    "customers": _("Share of customers (percent)"),
                    "revenue": _("Share of revenue (percent)"),
                },
            },
        },
    )


# ---- value: the ladder, the matrices and the thresholds behind them -------------------------


@console_view(Action.VIEW_CUSTOMERS)
def value(request, actor):
    """Where customers stand: value levels and the two decision matrices."""
    return render(
        request,
        "crm/value.html",
        {
            "actor": actor,
            "ladder": selectors.ladder(actor.merchant),
            "matrices": behaviour.matrices(actor.merchant),
            "can_configure": actor.can(Action.CONFIGURE_CUSTOMERS),
        },
    )


LADDER_PRESETS = {
    # Seed 003's bank ladders, scaled down to what a neighbourhood shop's customer spends.
    "metals": [
        (pgettext_lazy("value level", "Silver"), 500),
        (pgettext_lazy("value level", "Gold"), 2000),
        (pgettext_lazy("value level", "Platinum"), 5000),
        (pgettext_lazy("value level", "Diamond"), 10000),
    ],
    "stars": [
        ("★", 0),
        ("★★", 300),
        ("★★★", 1000),
        ("★★★★", 3000),
        ("★★★★★", 8000),
    ],
}


@console_view(Action.CONFIGURE_CUSTOMERS)
def directory_settings(request, actor):
    """The value ladder and the thresholds of the churn warning and the matrices."""
    knobs = behaviour.settings_of(actor.merchant)
    levels = selectors.value_levels(actor.merchant)
    preset = LADDER_PRESETS.get(request.GET.get("preset", ""))
    if preset:
        levels = [SimpleNamespace(name=str(name), min_spend=amount) for name, amount in preset]
    posted = request.POST if request.method == "POST" else None
    which = request.POST.get("form") if posted else None
    ladder_form = ValueLevelsForm(posted if which == "levels" else None, levels=levels)
    knobs_form = DirectorySettingsForm(
        posted if which == "thresholds" else None,
        initial={name: getattr(knobs, name) for name in DirectorySettingsForm.base_fields},
    )
    if which == "levels" and submit(
        request,
        ladder_form,
        lambda data: services.save_value_levels(actor=actor, levels=ladder_form.levels()),
    ):
        messages.success(request, _("Value levels saved; customers were placed on them."))
        return redirect("customers:settings")
    if which == "thresholds" and submit(
        request,
        knobs_form,
        lambda data: services.save_directory_settings(actor=actor, **data),
    ):
        messages.success(request, _("Thresholds saved; scores were recomputed."))
        return redirect("customers:settings")
    return render(
        request,
        "crm/settings.html",
        {"actor": actor, "ladder_form": ladder_form, "knobs_form": knobs_form, "preset": preset},
        status=400 if ladder_form.errors or knobs_form.errors else 200,
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
            membership = next(m for m, _n in portfolio if m.user_id == data["from_user"])
            return services.hand_over_and_deactivate(
                actor=actor,
                membership_id=membership.pk,
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
        return redirect(f"{reverse('customers:tasks')}?assignee=0")
    return render(
        request,
        "crm/hand_over.html",
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
        "crm/tasks.html",
        {
            "actor": actor,
            "tasks": selectors.tasks(actor, assignee_id=assignee, status=status),
            "staff": merchant_selectors.merchant_staff(actor.merchant)
            if actor.can(Action.ASSIGN_CUSTOMERS)
            else [],
            "assignee": assignee,
            "status": status,
            "done_form": CompleteTaskForm(),
            "scripts": selectors.articles(actor.merchant, kind="script"),
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
    return redirect(safe_next(request, reverse("customers:tasks")))


@console_view(Action.EDIT_CUSTOMERS, owns={"customer_id": Customer})
def add_task(request, actor, customer_id: int):
    form = TaskForm(request.POST or None, staff=merchant_selectors.merchant_staff(actor.merchant))
    return _on_profile(
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


def _on_profile(request, customer_id: int, form, action, done: str):
    """A form posted from a customer's profile: run it, say how it went, go back there."""
    if submit(request, form, action):
        messages.success(request, done)
    elif request.method == "POST":
        messages.error(request, form_problems(form))
    return redirect("customers:customer", customer_id=customer_id)


@console_view(Action.EDIT_CUSTOMERS, owns={"customer_id": Customer})
def risk_flag(request, actor, customer_id: int):
    """Put the customer on the risk list, or (with the right role) take them off it."""
    if request.method == "POST":
        try:
            if request.POST.get("clear"):
                services.clear_flag(
                    actor=actor, customer_id=customer_id, note=request.POST.get("note", "")
                )
                messages.success(request, _("Taken off the risk list."))
            else:
                form = RiskFlagForm(request.POST)
                if not form.is_valid():
                    raise DomainError(form_problems(form))
                services.flag_customer(actor=actor, customer_id=customer_id, **form.cleaned_data)
                messages.success(request, _("On the risk list: no campaign will reach them."))
        except DomainError as error:
            messages.error(request, str(error.message))
    return redirect("customers:customer", customer_id=customer_id)


# ---- messages and greetings -------------------------------------------------------------------


@console_view(Action.EDIT_CUSTOMERS)
def message(request, actor):
    """Write to one customer, a segment, or the customers a search found."""
    segment_id = request.GET.get("segment", "")
    customer_id = request.GET.get("customer", "")
    if segment_id.isdigit():
        segment = selectors.segment_of(actor.merchant, int(segment_id))
        customers = selectors.segment_members(segment)
        target = {"segment_id": segment.pk}
        audience = _("Segment: %(name)s") % {"name": segment.name}
    elif customer_id.isdigit():
        found = selectors.merchant_customer(actor.merchant, int(customer_id))
        customers = selectors.search(actor.merchant, selectors.Filters()).filter(pk=found.pk)
        target = {"customer_ids": [found.pk]}
        audience = str(found)
    else:
        filters = _filters(_search_form(request, actor), actor)
        customers = selectors.search(actor.merchant, filters)
        target = {"rules": filters.to_rules()}
        audience = _("The customers of your search")
    reach = selectors.reach(actor.merchant, customers)
    form = MessageForm(request.POST or None)
    sent = submit(
        request,
        form,
        lambda data: services.send_message(
            actor=actor,
            title=data["title"],
            body=data["body"],
            send_at=data["send_at"],
            **target,
        ),
    )
    if sent:
        messages.success(
            request,
            _("Sent to %(n)s customers (each through their own notification settings).")
            % {"n": sent.recipients},
        )
        return redirect("customers:messages")
    return render(
        request,
        "crm/message.html",
        {"actor": actor, "form": form, "audience": audience, "reach": reach},
        status=400 if form.errors else 200,
    )


@console_view(Action.VIEW_CUSTOMERS)
def outreach_history(request, actor):
    return render(
        request,
        "crm/messages.html",
        {"actor": actor, "sent": selectors.outreach_of(actor.merchant)},
    )


@console_view(Action.CONFIGURE_CUSTOMERS)
def greetings(request, actor):
    """Birthday greetings N days before, holiday greetings on the Chinese calendar."""
    from regulars.promotions import selectors as campaign_selectors

    knobs = behaviour.settings_of(actor.merchant)
    form = GreetingsForm(
        request.POST or None,
        campaigns=campaign_selectors.issued_campaigns(actor.merchant),
        today=clock.today(),
        initial={
            "birthday_days": knobs.birthday_days,
            "birthday_title": knobs.birthday_title,
            "birthday_body": knobs.birthday_body,
            "birthday_campaign": knobs.birthday_campaign_id,
            "holidays": knobs.holidays,
            "holiday_campaign": knobs.holiday_campaign_id,
            "referral_campaign": knobs.referral_campaign_id,
            "follow_up_after_visit": knobs.follow_up_after_visit,
        },
    )
    if submit(
        request,
        form,
        lambda data: services.save_greetings(
            actor=actor,
            birthday_days=data["birthday_days"],
            birthday_title=data["birthday_title"],
            birthday_body=data["birthday_body"],
            birthday_campaign_id=data["birthday_campaign"],
            holidays=data["holidays"],
            holiday_campaign_id=data["holiday_campaign"],
            referral_campaign_id=data["referral_campaign"],
            follow_up_after_visit=data["follow_up_after_visit"],
        ),
    ):
        messages.success(request, _("Greetings saved: they go out each morning at nine."))
        return redirect("customers:greetings")
    return render(
        request,
        "crm/greetings.html",
        {"actor": actor, "form": form},
        status=400 if form.errors else 200,
    )


# ---- the service desk -------------------------------------------------------------------------


@console_view(Action.VIEW_CUSTOMERS)
def ticket_list(request, actor):
    view = request.GET.get("view", "open")
    view = view if view in ("open", "mine", "closed") else "open"
    knobs = behaviour.settings_of(actor.merchant)
    hours = {**services.STAGE_HOURS, **(knobs.stage_hours or {})}
    can_configure = actor.can(Action.CONFIGURE_CUSTOMERS)
    form = DeskSettingsForm(
        request.POST if can_configure and request.method == "POST" else None,
        initial={
            "opens": knobs.desk_opens,
            "closes": knobs.desk_closes,
            **{f"hours_{stage}": value for stage, value in hours.items()},
        },
    )
    if can_configure and submit(
        request,
        form,
        lambda data: services.save_desk_settings(
            actor=actor, opens=data["opens"], closes=data["closes"], stage_hours=form.stage_hours()
        ),
    ):
        messages.success(request, _("Service desk hours and limits saved."))
        return redirect("customers:tickets")
    return render(
        request,
        "crm/tickets.html",
        {
            "actor": actor,
            "tickets": selectors.tickets(actor, view=view),
            "view": view,
            "desk_form": form if can_configure else None,
        },
        status=400 if form.errors else 200,
    )


@console_view(Action.VIEW_CUSTOMERS)
def new_ticket(request, actor):
    """A complaint taken by phone or in person: whoever takes it owns it."""
    form = StaffTicketForm(request.POST or None)
    made = submit(
        request,
        form,
        lambda data: services.open_ticket(
            merchant=actor.merchant,
            actor=actor,
            channel=data["channel"],
            category=data["category"],
            subject=data["subject"],
            description=data["description"],
            customer_id=data["customer"],
        ),
    )
    if made:
        return redirect("customers:ticket", ticket_id=made.pk)
    return render(
        request,
        "crm/new_ticket.html",
        {"actor": actor, "form": form},
        status=400 if form.errors else 200,
    )


@console_view(Action.VIEW_CUSTOMERS)
def ticket(request, actor, ticket_id: int):
    from .models import TicketStage

    found = selectors.ticket_of(actor.merchant, ticket_id)
    stages = list(TicketStage.values)
    following = stages[stages.index(found.stage) + 1] if found.stage != TicketStage.CLOSED else None
    form = AdvanceTicketForm(
        request.POST if request.POST.get("action") == "advance" else None,
        staff=merchant_selectors.merchant_staff(actor.merchant),
        answering=following == TicketStage.FEEDBACK
        or (following == TicketStage.CLOSED and not found.resolution),
        closing=following == TicketStage.CLOSED,
        transferring=following == TicketStage.TRANSFER,
    )
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "take":
            try:
                services.take_ticket(actor=actor, ticket_id=found.pk)
                messages.success(request, _("It is yours until it is closed."))
            except DomainError as error:
                messages.error(request, str(error.message))
            return redirect("customers:ticket", ticket_id=found.pk)
        if action == "advance" and submit(
            request,
            form,
            lambda data: services.advance_ticket(
                actor=actor,
                ticket_id=found.pk,
                note=data.get("note", ""),
                handler_id=data.get("handler"),
                resolution=data.get("resolution", ""),
                satisfaction=data.get("satisfaction"),
                no_score_reason=data.get("no_score_reason", ""),
            ),
        ):
            return redirect("customers:ticket", ticket_id=found.pk)
    return render(
        request,
        "crm/ticket.html",
        {
            "actor": actor,
            "ticket": found,
            "events": selectors.ticket_events(found),
            "form": form,
            "following": TicketStage(following).label if following else None,
            "stages": TicketStage.choices,
            "stage_index": stages.index(found.stage),
            "helps": selectors.articles(actor.merchant, topic=found.category),
        },
        status=400 if form.errors else 200,
    )


@login_required
def complain(request, store_id: int):
    """A consumer's complaint about a store (or one of their orders there)."""
    from regulars.core.errors import NotFound

    try:
        store = selectors.open_store(store_id)
    except NotFound:
        raise Http404() from None
    order_id = request.GET.get("order", "")
    form = ComplaintForm(request.POST or None)
    made = submit(
        request,
        form,
        lambda data: services.open_ticket(
            merchant=store.merchant,
            consumer=request.user,
            channel="order" if order_id.isdigit() else "store_page",
            category=data["category"],
            subject=data["subject"],
            description=data["description"],
            order_id=int(order_id) if order_id.isdigit() else None,
            store_id=store.pk,
        ),
    )
    if made:
        messages.success(request, _("Sent: the shop has your complaint and will answer you."))
        return redirect("care:complaint", ticket_id=made.pk)
    return render(
        request,
        "crm/complain.html",
        {"store": store, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def my_complaints(request):
    return render(
        request, "crm/my_complaints.html", {"tickets": selectors.my_complaints(request.user)}
    )


@login_required
def my_complaint(request, ticket_id: int):
    from regulars.core.errors import NotFound

    try:
        found = selectors.my_complaint(request.user, ticket_id)
    except NotFound:
        raise Http404() from None
    return render(request, "crm/my_complaint.html", {"ticket": found})


# ---- the knowledge base -----------------------------------------------------------------------


@console_view(Action.VIEW_CUSTOMERS)
def knowledge(request, actor):
    """Call scripts, service standards and answers: searchable, editable by the team."""
    q = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    editing = request.GET.get("edit", "")
    article = selectors.article_of(actor.merchant, int(editing)) if editing.isdigit() else None
    form = ArticleForm(
        request.POST or None,
        initial={
            "kind": article.kind,
            "title": article.title,
            "body": article.body,
            "topic": article.topic,
        }
        if article
        else None,
    )
    can_edit = actor.can(Action.EDIT_CUSTOMERS)
    if request.method == "POST" and request.POST.get("delete", "").isdigit():
        try:
            services.delete_article(actor=actor, article_id=int(request.POST["delete"]))
        except DomainError as error:
            messages.error(request, str(error.message))
        return redirect("customers:knowledge")
    if submit(
        request,
        form,
        lambda data: services.save_article(
            actor=actor, article_id=article.pk if article else None, **data
        ),
    ):
        messages.success(request, _("Saved to the knowledge base."))
        return redirect("customers:knowledge")
    return render(
        request,
        "crm/knowledge.html",
        {
            "actor": actor,
            "articles": selectors.articles(actor.merchant, q=q, kind=kind),
            "q": q,
            "kind": kind,
            "form": form if can_edit else None,
            "editing": article,
        },
        status=400 if form.errors else 200,
    )


# ---- commitments ------------------------------------------------------------------------------


@console_view(Action.EDIT_CUSTOMERS, owns={"customer_id": Customer})
def add_commitment(request, actor, customer_id: int):
    form = CommitmentForm(
        request.POST or None, staff=merchant_selectors.merchant_staff(actor.merchant)
    )
    return _on_profile(
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
            return redirect("customers:customer", customer_id=found.customer_id)
        except DomainError as error:
            messages.error(request, str(error.message))
    return redirect(safe_next(request, reverse("customers:list")))


@login_required
def survey(request, survey_id: int):
    """Two questions after a visit: would you recommend us (NPS), how was it (CSAT)."""
    from regulars.core.errors import NotFound

    from .models import Survey

    found = (
        Survey.objects.filter(pk=survey_id, consumer=request.user)
        .select_related("merchant")
        .first()
    )
    if found is None:
        raise Http404()
    form = SurveyForm(request.POST or None, items=services.survey_items(found))
    try:
        answered = submit(
            request,
            form,
            lambda data: services.answer_survey(
                consumer=request.user, survey_id=found.pk, **form.answers()
            ),
        )
    except NotFound:
        raise Http404() from None
    if answered:
        messages.success(request, _("Thank you: the shop reads every answer."))
        return redirect("care:survey", survey_id=found.pk)
    found.refresh_from_db()
    return render(
        request,
        "crm/survey.html",
        {"survey": found, "form": form},
        status=400 if form.errors else 200,
    )


# ---- customer events --------------------------------------------------------------------------


@console_view(Action.VIEW_CUSTOMERS)
def events(request, actor):
    form = EventForm(request.POST or None, segments=selectors.segments(actor.merchant))
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
        return redirect("customers:event", event_id=made.pk)
    return render(
        request,
        "crm/events.html",
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
        return redirect("customers:event", event_id=found.pk)
    return render(
        request,
        "crm/event.html",
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
            return redirect("care:invitation", invitation_id=found.pk)
    except NotFound:
        raise Http404() from None
    except DomainError as error:
        messages.error(request, str(error.message))
    return render(request, "crm/invitation.html", {"invitation": found})


@console_view(Action.ASSIGN_CUSTOMERS)
def add_corrective_action(request, actor):
    """From the monthly report: what will change because of the month's complaints."""
    back = safe_next(request, reverse("reports:printable", args=["monthly"]))
    form = CorrectiveActionForm(
        request.POST or None, staff=merchant_selectors.merchant_staff(actor.merchant)
    )
    month = boundary.business_day(request.POST.get("month")) or clock.today()
    if (
        not submit(
            request,
            form,
            lambda data: services.plan_corrective_action(
                actor=actor,
                month=month,
                category=data["category"],
                action=data["action"],
                owner_id=data["owner"],
                due_on=data["due_on"],
            ),
        )
        and request.method == "POST"
    ):
        messages.error(request, form_problems(form))
    return redirect(back)


@console_view(Action.VIEW_CUSTOMERS, owns={"action_id": CorrectiveAction})
def finish_corrective_action(request, actor, action_id: int):
    if request.method == "POST":
        try:
            services.finish_corrective_action(
                actor=actor, action_id=action_id, result=request.POST.get("result", "")
            )
        except DomainError as error:
            messages.error(request, str(error.message))
    return redirect(safe_next(request, reverse("reports:printable", args=["monthly"])))


# ---- the relationship evaluation and maintenance plans ----------------------------------------


@console_view(Action.EDIT_CUSTOMERS, owns={"customer_id": Customer})
def evaluate(request, actor, customer_id: int):
    form = EvaluationForm(request.POST or None, indicators=services.indicators_of(actor.merchant))
    return _on_profile(
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
    return _on_profile(
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
        redirect("customers:customer", customer_id=found.customer_id)
        if found.customer_id and request.POST.get("back") != "plans"
        else redirect("customers:plans")
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
        segments=selectors.segments(actor.merchant),
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
        return redirect("customers:plans")
    return render(
        request,
        "crm/plans.html",
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
        return redirect("customers:indicators")
    return render(
        request,
        "crm/indicators.html",
        {"actor": actor, "form": form},
        status=400 if form.errors else 200,
    )
