"""The merchant's customer directory: search, export, and one customer's profile and timeline."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from regulars.core import boundary, clock
from regulars.core.errors import DomainError
from regulars.core.forms import form_problems, submit
from regulars.core.web import safe_next
from regulars.merchants import selectors as merchant_selectors
from regulars.merchants.permissions import Action
from regulars.merchants.web import console_view

from . import selectors, services
from .forms import (
    AdvanceTicketForm,
    ArticleForm,
    ComplaintForm,
    CorrectiveActionForm,
    DeskSettingsForm,
    StaffTicketForm,
    SurveyForm,
)
from .models import CorrectiveAction

# ---- the service desk -------------------------------------------------------------------------


@console_view(Action.VIEW_CUSTOMERS)
def ticket_list(request, actor):
    view = request.GET.get("view", "open")
    view = view if view in ("open", "mine", "closed") else "open"
    desk = selectors.desk_settings_of(actor.merchant)
    hours = {**services.STAGE_HOURS, **(desk.stage_hours or {})}
    can_configure = actor.can(Action.CONFIGURE_CUSTOMERS)
    form = DeskSettingsForm(
        request.POST if can_configure and request.method == "POST" else None,
        initial={
            "opens": desk.opens,
            "closes": desk.closes,
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
        return redirect("servicedesk:tickets")
    return render(
        request,
        "servicedesk/tickets.html",
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
        return redirect("servicedesk:ticket", ticket_id=made.pk)
    return render(
        request,
        "servicedesk/new_ticket.html",
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
            return redirect("servicedesk:ticket", ticket_id=found.pk)
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
            return redirect("servicedesk:ticket", ticket_id=found.pk)
    return render(
        request,
        "servicedesk/ticket.html",
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
        "servicedesk/complain.html",
        {"store": store, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def my_complaints(request):
    return render(
        request,
        "servicedesk/my_complaints.html",
        {"tickets": selectors.my_complaints(request.user)},
    )


@login_required
def my_complaint(request, ticket_id: int):
    from regulars.core.errors import NotFound

    try:
        found = selectors.my_complaint(request.user, ticket_id)
    except NotFound:
        raise Http404() from None
    return render(request, "servicedesk/my_complaint.html", {"ticket": found})


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
        return redirect("servicedesk:knowledge")
    if submit(
        request,
        form,
        lambda data: services.save_article(
            actor=actor, article_id=article.pk if article else None, **data
        ),
    ):
        messages.success(request, _("Saved to the knowledge base."))
        return redirect("servicedesk:knowledge")
    return render(
        request,
        "servicedesk/knowledge.html",
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
        "servicedesk/survey.html",
        {"survey": found, "form": form},
        status=400 if form.errors else 200,
    )


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
