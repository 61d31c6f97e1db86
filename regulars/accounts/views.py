from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from regulars.core import clock
from regulars.core.errors import DomainError
from regulars.core.forms import add_domain_error
from regulars.core.throttle import client_address

from . import privacy as personal_data
from . import services
from .forms import EraseForm, SignUpForm


def safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def sign_up(request):
    """A consumer creates an account with a phone number or email and a password."""
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.sign_up(
                login=form.cleaned_data["login"],
                password=form.cleaned_data["password"],
                display_name=form.cleaned_data["display_name"],
                address=client_address(request),
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
