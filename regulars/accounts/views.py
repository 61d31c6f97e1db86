from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from regulars.core.errors import DomainError
from regulars.core.forms import add_domain_error
from regulars.core.throttle import client_address

from . import services
from .forms import SignUpForm


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
