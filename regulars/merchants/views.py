"""Merchant console pages: parse the form, call a service, render. No domain logic here."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from regulars.accounts import views as account_views
from regulars.core.errors import DomainError, PermissionDenied
from regulars.core.forms import add_domain_error, submit
from regulars.core.throttle import client_address
from regulars.core.web import safe_next

from . import selectors, services
from .forms import (
    ClosureForm,
    HoursForm,
    InviteForm,
    ItemForm,
    MerchantAndOwnerForm,
    MerchantForm,
    MerchantSettingsForm,
    PhotoForm,
    StaffRoleForm,
    StoreForm,
)
from .models import StaffMember
from .permissions import Action, staff_context
from .web import console_view


def join(request):
    """Open a merchant account: a new person signs up as its owner, or a signed-in one adds it."""
    categories = selectors.all_categories()
    signed_in = request.user.is_authenticated
    form_class = MerchantForm if signed_in else MerchantAndOwnerForm
    if not signed_in and (
        shown := account_views.text_me_a_code(
            request,
            lambda **kwargs: form_class(categories=categories, **kwargs),
            phone_field="login",
            purpose="sign_up",
        )
    ):
        return render(request, "merchants/join.html", {"form": shown})
    form = form_class(request.POST or None, categories=categories)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        business = {
            "name": data["merchant_name"],
            "category": data["category"],
            "phone": data["merchant_phone"],
        }
        try:
            if signed_in:
                merchant = services.register_merchant(user=request.user, **business)
            else:
                owner, merchant = services.open_merchant_account(
                    login=data["login"],
                    password=data["password"],
                    display_name=data["display_name"],
                    address=client_address(request),
                    code=data["code"],
                    **business,
                )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            if not signed_in:
                login(request, owner, backend="regulars.accounts.backends.PhoneOrEmailBackend")
            request.session["merchant_id"] = merchant.pk
            messages.success(request, _("Welcome! Add your first store."))
            return redirect("console:store_new")
    return render(request, "merchants/join.html", {"form": form})


@console_view()
def stores(request, actor):
    return render(
        request,
        "merchants/home.html",
        {"actor": actor, "stores": selectors.merchant_stores(actor.merchant)},
    )


@login_required
@require_POST
def switch_merchant(request):
    actor = staff_context(request.user, int(request.POST.get("merchant_id") or 0))
    if actor is None:
        raise Http404()
    request.session["merchant_id"] = actor.merchant.pk
    return redirect("workbench:today")


def _store_input(data: dict) -> services.StoreInput:
    return services.StoreInput(**{k: data[k] for k in services.StoreInput.__dataclass_fields__})


@console_view(Action.MANAGE_STORES)
def store_new(request, actor):
    form = StoreForm(
        request.POST or None,
        categories=selectors.all_categories(),
        initial={"category": actor.merchant.category.slug},
    )
    store = submit(
        request, form, lambda data: services.create_store(actor=actor, data=_store_input(data))
    )
    if store:
        messages.success(request, _("Store created. Now set its opening hours."))
        return redirect("console:store_hours", store_id=store.pk)
    return render(
        request, "merchants/store_form.html", {"actor": actor, "form": form, "store": None}
    )


@console_view(Action.MANAGE_STORES)
def store_edit(request, actor, store_id: int):
    store = selectors.merchant_store(actor.merchant, store_id)
    initial = {f: getattr(store, f) for f in services.StoreInput.__dataclass_fields__}
    initial["category"] = store.category.slug
    form = StoreForm(request.POST or None, categories=selectors.all_categories(), initial=initial)
    if submit(
        request,
        form,
        lambda data: services.update_store(actor=actor, store_id=store.pk, data=_store_input(data)),
    ):
        messages.success(request, _("Saved."))
        return redirect("console:store_edit", store_id=store.pk)
    return render(
        request, "merchants/store_form.html", {"actor": actor, "form": form, "store": store}
    )


@console_view(Action.MANAGE_STORES)
def store_hours(request, actor, store_id: int):
    store = selectors.merchant_store(actor.merchant, store_id)
    form = HoursForm(request.POST or None, initial=HoursForm.initial_from(store.hours.all()))
    closure_form = ClosureForm()
    if request.method == "POST" and form.is_valid():
        try:
            services.set_opening_hours(
                actor=actor,
                store_id=store.pk,
                ranges=[services.HoursRange(*r) for r in form.cleaned_data["ranges"]],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Opening hours saved."))
            return redirect("console:store_hours", store_id=store.pk)
    return render(
        request,
        "merchants/store_hours.html",
        {"actor": actor, "store": store, "form": form, "closure_form": closure_form},
    )


@console_view(Action.MANAGE_STORES)
@require_POST
def closure_add(request, actor, store_id: int):
    store = selectors.merchant_store(actor.merchant, store_id)
    form = ClosureForm(request.POST)
    if form.is_valid():
        try:
            services.add_closure(actor=actor, store_id=store.pk, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
    if form.errors:
        return render(
            request,
            "merchants/store_hours.html",
            {
                "actor": actor,
                "store": store,
                "form": HoursForm(initial=HoursForm.initial_from(store.hours.all())),
                "closure_form": form,
            },
            status=400,
        )
    messages.success(request, _("Closure added."))
    return redirect("console:store_hours", store_id=store.pk)


@console_view(Action.MANAGE_STORES)
@require_POST
def closure_delete(request, actor, closure_id: int):
    services.remove_closure(actor=actor, closure_id=closure_id)
    messages.success(request, _("Closure removed."))
    return redirect(safe_next(request, reverse("console:stores")))


@console_view(Action.MANAGE_STORES)
def store_photos(request, actor, store_id: int):
    store = selectors.merchant_store(actor.merchant, store_id)
    form = PhotoForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.add_photo(
                    actor=actor,
                    store_id=store.pk,
                    kind=form.cleaned_data["kind"],
                    upload=form.cleaned_data["image"],
                    caption=form.cleaned_data["caption"],
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Photo added."))
                return redirect("console:store_photos", store_id=store.pk)
        status = 400
    return render(
        request,
        "merchants/store_photos.html",
        {"actor": actor, "store": store, "form": form},
        status=status,
    )


@console_view(Action.VIEW_CONSOLE)
@require_POST
def photo_delete(request, actor, photo_id: int):
    services.delete_photo(actor=actor, photo_id=photo_id)
    messages.success(request, _("Photo removed."))
    return redirect(safe_next(request, reverse("console:stores")))


@console_view(Action.VIEW_CONSOLE)
def store_items(request, actor, store_id: int):
    store = selectors.merchant_store(actor.merchant, store_id)
    return render(
        request,
        "merchants/store_items.html",
        {
            "actor": actor,
            "store": store,
            "items": selectors.merchant_items(actor.merchant, store.pk),
            "can_edit": actor.can(Action.MANAGE_CATALOGUE),
        },
    )


def _item_input(data: dict) -> services.ItemInput:
    return services.ItemInput(**{k: data[k] for k in services.ItemInput.__dataclass_fields__})


@console_view(Action.MANAGE_CATALOGUE)
def item_new(request, actor, store_id: int):
    store = selectors.merchant_store(actor.merchant, store_id)
    form = ItemForm(request.POST or None, request.FILES or None)
    item = submit(
        request,
        form,
        lambda data: services.create_item(
            actor=actor, store_id=store.pk, data=_item_input(data), photo=data.get("photo") or None
        ),
    )
    if item:
        messages.success(request, _("“%(name)s” added.") % {"name": item.name})
        return redirect("console:store_items", store_id=store.pk)
    return render(
        request,
        "merchants/item_form.html",
        {"actor": actor, "store": store, "form": form, "item": None},
    )


@console_view(Action.MANAGE_CATALOGUE)
def item_edit(request, actor, item_id: int):
    item = selectors.merchant_item(actor.merchant, item_id)
    initial = {f: getattr(item, f) for f in services.ItemInput.__dataclass_fields__}
    form = ItemForm(request.POST or None, request.FILES or None, initial=initial)
    saved = submit(
        request,
        form,
        lambda data: services.update_item(
            actor=actor, item_id=item.pk, data=_item_input(data), photo=data.get("photo") or None
        ),
    )
    if saved:
        messages.success(request, _("Saved."))
        return redirect("console:store_items", store_id=item.store_id)
    return render(
        request,
        "merchants/item_form.html",
        {"actor": actor, "store": item.store, "form": form, "item": item},
    )


@console_view(Action.MANAGE_STAFF)
def merchant_settings(request, actor):
    merchant = actor.merchant
    initial = {f: getattr(merchant, f) for f in services.MerchantSettings.__dataclass_fields__}
    form = MerchantSettingsForm(request.POST or None, initial=initial)
    if submit(
        request,
        form,
        lambda data: services.update_merchant(actor=actor, data=services.MerchantSettings(**data)),
    ):
        messages.success(request, _("Saved."))
        return redirect("console:settings")
    return render(request, "merchants/settings.html", {"actor": actor, "form": form})


@console_view(Action.VIEW_STAFF)
def staff(request, actor):
    form = InviteForm(request.POST or None)
    invitation = None
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invite_staff(actor=actor, **form.cleaned_data)
        except (DomainError, PermissionDenied) as error:
            add_domain_error(form, error)
        else:
            form = InviteForm()
    return render(
        request,
        "merchants/staff.html",
        {
            "actor": actor,
            "form": form,
            "new_invitation": invitation,
            "staff": selectors.merchant_staff(actor.merchant),
            "invitations": selectors.pending_invitations(actor.merchant),
            "can_manage": actor.can(Action.MANAGE_STAFF),
            "role_form": StaffRoleForm(),
        },
    )


@console_view(Action.MANAGE_STAFF, owns={"staff_member_id": StaffMember})
@require_POST
def staff_change(request, actor, staff_member_id: int):
    form = StaffRoleForm(request.POST)
    if form.is_valid():
        try:
            services.change_staff_role(
                actor=actor, staff_member_id=staff_member_id, **form.cleaned_data
            )
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("Saved."))
    return redirect("console:staff")


@login_required
def accept_invitation(request, token: str):
    invitation = selectors.invitation_by_token(token)
    if invitation is None:
        raise Http404()
    error = None
    if request.method == "POST":
        try:
            staff_member = services.accept_invitation(user=request.user, token=token)
        except DomainError as refusal:
            error = refusal.message
        else:
            request.session["merchant_id"] = staff_member.merchant_id
            messages.success(
                request, _("You joined %(merchant)s.") % {"merchant": invitation.merchant.name}
            )
            return redirect("workbench:today")
    return render(request, "merchants/invitation.html", {"invitation": invitation, "error": error})
