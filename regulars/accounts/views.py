from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from regulars.core import clock
from regulars.core.errors import DomainError
from regulars.core.forms import add_domain_error
from regulars.core.throttle import client_address
from regulars.core.web import safe_next

from . import privacy as personal_data
from . import services
from .forms import CodeSignInForm, EraseForm, ResetPasswordForm, SignUpForm


def text_me_a_code(request, make_form, *, phone_field: str, purpose: str):
    """The "Text me a code" button of a form: send the code for what was typed, and give the
    form back as it was (unbound: no "required" errors for fields not filled in yet). Returns
    the form to show, or None when the button was not pressed."""
    if request.method != "POST" or request.POST.get("action") != "send_code":
        return None
    kept = {k: v for k, v in request.POST.items() if k not in ("password", "csrfmiddlewaretoken")}
    form = make_form(initial=kept)
    try:
        sent_to = services.send_phone_code(
            phone=request.POST.get(phone_field, ""),
            purpose=purpose,
            address=client_address(request),
        )
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(
            request,
            _(
                "If %(phone)s can receive it, a code is on its way: it is good for %(minutes)d minutes."
            )
            % {"phone": sent_to, "minutes": services.CODE_MINUTES},
        )
    return form


def sign_up(request):
    """A consumer creates an account with a phone number (proved by a texted code) or an email,
    and a password."""
    if shown := text_me_a_code(request, SignUpForm, phone_field="login", purpose="sign_up"):
        return render(
            request, "accounts/signup.html", {"form": shown, "next": safe_next(request, "")}
        )
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.sign_up(
                login=form.cleaned_data["login"],
                password=form.cleaned_data["password"],
                display_name=form.cleaned_data["display_name"],
                address=client_address(request),
                code=form.cleaned_data["code"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            login(request, user, backend="regulars.accounts.backends.PhoneOrEmailBackend")
            return redirect(safe_next(request, "/"))
    return render(request, "accounts/signup.html", {"form": form, "next": safe_next(request, "")})


@login_required
def privacy(request, form=None):
    """What we hold about me: download it, see my consents, erase my account."""
    return render(
        request,
        "accounts/privacy.html",
        {
            "consents": personal_data.consent_history(request.user)[:200],
            "form": form or EraseForm(),
        },
    )


@login_required
def download_my_data(request):
    response = HttpResponse(
        personal_data.export_as_json(user=request.user),
        content_type="application/json; charset=utf-8",
    )
    stamp = clock.today().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="regulars-my-data-{stamp}.json"'
    return response


@login_required
@require_POST
def erase(request):
    form = EraseForm(request.POST)
    if form.is_valid():
        try:
            personal_data.erase_personal_data(
                user=request.user, password=form.cleaned_data["password"]
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            logout(request)
            messages.success(request, _("Your account has been erased. Thank you for visiting."))
            return redirect("/")
    return privacy(request, form=form)


def _by_code(request, form_class, *, purpose: str, template_title, submit_label, act):
    if shown := text_me_a_code(request, form_class, phone_field="phone", purpose=purpose):
        form = shown
    else:
        form = form_class(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                return act(form.cleaned_data)
            except DomainError as error:
                add_domain_error(form, error)
    return render(
        request,
        "accounts/by_code.html",
        {
            "form": form,
            "title": template_title,
            "submit_label": submit_label,
            "next": safe_next(request, ""),
        },
    )


def sign_in_by_code(request):
    """Sign in with a code texted to the phone, no password needed."""

    def act(data):
        user = services.sign_in_with_code(phone=data["phone"], code=data["code"])
        login(request, user, backend="regulars.accounts.backends.PhoneOrEmailBackend")
        return redirect(safe_next(request, "/"))

    return _by_code(
        request,
        CodeSignInForm,
        purpose="sign_in",
        template_title=_("Sign in with a texted code"),
        submit_label=_("Sign in"),
        act=act,
    )


def reset_password(request):
    """A forgotten password: prove the phone with a texted code, choose a new password."""

    def act(data):
        services.reset_password(phone=data["phone"], code=data["code"], password=data["password"])
        messages.success(request, _("Your password is changed: sign in with it."))
        return redirect("accounts:login")

    return _by_code(
        request,
        ResetPasswordForm,
        purpose="reset",
        template_title=_("Reset your password"),
        submit_label=_("Change the password"),
        act=act,
    )
