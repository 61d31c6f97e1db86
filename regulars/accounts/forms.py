from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from regulars.core.errors import DomainError
from regulars.core.throttle import client_address

from . import services


class SignInForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Phone or email"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    error_messages = {
        "invalid_login": _("Wrong phone/email or password."),
        "inactive": _("This account is inactive."),
    }

    def clean(self):
        """Sign-in goes through the same lockout as the API (`services.sign_in`)."""
        login = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if login is not None and password:
            try:
                self.user_cache = services.sign_in(
                    login=login,
                    password=password,
                    address=client_address(self.request) if self.request else "",
                    request=self.request,
                )
            except DomainError as error:
                raise forms.ValidationError(str(error.message), code=error.code) from None
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


def _code_field(required: bool) -> forms.CharField:
    return forms.CharField(
        label=_("Code from the text message"),
        max_length=6,
        required=required,
        help_text=_("Press “Text me a code”: we send 6 digits to the mobile number."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class SignUpForm(forms.Form):
    login = forms.CharField(
        label=_("Mobile number or email"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "inputmode": "email"}),
    )
    code = _code_field(required=False)  # needed for a mobile number (the service says so)
    display_name = forms.CharField(label=_("Your name"), max_length=60, required=False)
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )


class EraseForm(forms.Form):
    password = forms.CharField(
        label=_("Your password, to confirm"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label=_("I understand that my account, my places and my messages are gone for good."),
    )


class OperatorSignInForm(SignInForm, AdminAuthenticationForm):
    """The admin site's sign-in: the same lockout, and only operators (staff users) get in."""


class CodeSignInForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    code = _code_field(required=True)


class ResetPasswordForm(CodeSignInForm):
    password = forms.CharField(
        label=_("New password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
