"""The merchant's customer directory: search, export, and one customer's profile and timeline."""

from types import SimpleNamespace

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from regulars.core import csvfile
from regulars.core.errors import DomainError
from regulars.core.forms import form_problems, submit
from regulars.customers.errors import Problem
from regulars.merchants import selectors as merchant_selectors
from regulars.merchants.permissions import Action
from regulars.merchants.web import console_view

from . import behaviour, selectors, services
from .forms import (
    DirectorySettingsForm,
    MappingForm,
    RiskFlagForm,
    SearchForm,
    UploadForm,
    ValueLevelsForm,
    WelcomeGiftForm,
)
from .models import Customer

PAGE = 50  # customers a directory page shows; the pager moves through the rest


def search_filters(form: SearchForm, actor) -> selectors.Filters:
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


def search_form(request, actor) -> SearchForm:
    from regulars.membership import selectors as card_selectors

    return SearchForm(
        request.GET or None,
        tags=selectors.tags(actor.merchant),
        staff=merchant_selectors.merchant_staff(actor.merchant),
        tiers=card_selectors.tiers_of(actor.merchant),
        levels=selectors.value_levels(actor.merchant),
    )


@console_view(Action.VIEW_CUSTOMERS)
def count(request, actor):
    """The live count beside the criteria, as they change (htmx)."""
    found = selectors.search(actor.merchant, search_filters(search_form(request, actor), actor))
    return render(request, "customers/count.html", {"total": found.count()})


@console_view(Action.EDIT_CUSTOMERS)
def save_segment(request, actor):
    if request.method != "POST":
        return redirect("customers:segments")
    filters = search_filters(search_form(request, actor), actor)
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
        "customers/segments.html",
        {"actor": actor, "segments": selectors.segments(actor.merchant)},
    )


@console_view(Action.VIEW_CUSTOMERS)
def customers(request, actor):
    form = search_form(request, actor)
    found = selectors.search(actor.merchant, search_filters(form, actor))
    page = Paginator(found, PAGE).get_page(request.GET.get("page"))
    rows = [(c, selectors.contact(actor, c)) for c in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)  # the export, the message and the pager carry the criteria only
    return render(
        request,
        "customers/customers.html",
        {
            "actor": actor,
            "form": form,
            "rows": rows,
            "page": page,
            "flagged": selectors.flagged_ids(actor.merchant, [c.pk for c, _shown in rows]),
            "total": page.paginator.count,
            "query": query.urlencode(),
        },
    )


@console_view(Action.VIEW_CUSTOMERS)
def export(request, actor):
    """The search's result as CSV (Excel opens it: UTF-8 with a byte-order mark)."""
    found = selectors.search(actor.merchant, search_filters(search_form(request, actor), actor))
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
        "customers/imports.html",
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
        "customers/import_progress.html"
        if request.headers.get("HX-Request")
        else "customers/import.html"
    )
    return render(
        request,
        template,
        {"actor": actor, "job": job, "preview": preview, "form": form},
        status=400 if form.errors else 200,
    )


@console_view(Action.VIEW_CUSTOMERS)
def key_accounts(request, actor):
    """The top customers who bring 80% of the revenue, 50 a page, with a Pareto chart."""
    found = selectors.key_accounts(actor.merchant)
    page = Paginator(found.key_ids, PAGE).get_page(request.GET.get("page"))
    shown = selectors.customers_in_order(actor.merchant, list(page.object_list))
    return render(
        request,
        "customers/key_accounts.html",
        {
            "actor": actor,
            "key": found,
            "rows": [(c, selectors.contact(actor, c)) for c in shown],
            "page": page,
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
        "customers/value.html",
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
    thresholds = behaviour.settings_of(actor.merchant)
    levels = selectors.value_levels(actor.merchant)
    preset = LADDER_PRESETS.get(request.GET.get("preset", ""))
    if preset:
        levels = [SimpleNamespace(name=str(name), min_spend=amount) for name, amount in preset]
    posted = request.POST if request.method == "POST" else None
    which = request.POST.get("form") if posted else None
    ladder_form = ValueLevelsForm(posted if which == "levels" else None, levels=levels)
    thresholds_form = DirectorySettingsForm(
        posted if which == "thresholds" else None,
        initial={name: getattr(thresholds, name) for name in DirectorySettingsForm.base_fields},
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
        thresholds_form,
        lambda data: services.save_directory_settings(actor=actor, **data),
    ):
        messages.success(request, _("Thresholds saved; scores were recomputed."))
        return redirect("customers:settings")
    return render(
        request,
        "customers/settings.html",
        {
            "actor": actor,
            "ladder_form": ladder_form,
            "thresholds_form": thresholds_form,
            "preset": preset,
        },
        status=400 if ladder_form.errors or thresholds_form.errors else 200,
    )


def on_profile(request, customer_id: int, form, action, done: str):
    """A form posted from a customer's profile: run it, say how it went, go back there."""
    if submit(request, form, action):
        messages.success(request, done)
    elif request.method == "POST":
        messages.error(request, form_problems(form))
    return redirect("relationships:customer", customer_id=customer_id)


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
                    raise DomainError(form_problems(form), code=Problem.INVALID_INPUT)
                services.flag_customer(actor=actor, customer_id=customer_id, **form.cleaned_data)
                messages.success(request, _("On the risk list: no campaign will reach them."))
        except DomainError as error:
            messages.error(request, str(error.message))
    return redirect("relationships:customer", customer_id=customer_id)


@console_view(Action.CONFIGURE_CUSTOMERS)
def welcome_gifts(request, actor):
    """开卡礼 and 新人礼: a coupon, points, a punch card, once per person."""
    campaigns, plans = selectors.gift_choices(actor.merchant)
    which = request.POST.get("occasion") if request.method == "POST" else None
    forms_by_occasion = []
    for gift in selectors.welcome_gifts(actor.merchant):
        form = WelcomeGiftForm(
            request.POST if which == gift["occasion"] else None,
            campaigns=campaigns,
            plans=plans,
            initial=gift,
            prefix=gift["occasion"],
        )
        if which == gift["occasion"] and submit(
            request,
            form,
            lambda data, occasion=gift["occasion"]: services.save_gift(
                actor=actor, occasion=occasion, **data
            ),
        ):
            messages.success(request, _("Saved."))
            return redirect("customers:welcome_gifts")
        forms_by_occasion.append((gift, form))
    return render(
        request,
        "customers/welcome_gifts.html",
        {"actor": actor, "forms": forms_by_occasion},
        status=400 if any(form.errors for _gift, form in forms_by_occasion) else 200,
    )
