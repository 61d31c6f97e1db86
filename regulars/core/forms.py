from django import forms

from regulars.core.errors import DomainError


class IsoDateInput(forms.DateInput):
    """`<input type="date">` carries `YYYY-MM-DD` whatever the page's language: the browser
    rejects a localized value (1990/12/05) and shows the field empty, and saving then clears it."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class IsoDateTimeInput(forms.DateTimeInput):
    """`<input type="datetime-local">` carries `YYYY-MM-DDTHH:MM` in every language."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusal on the form field it names (or on the whole form)."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.message))


def submit(request, form: forms.Form, action):
    """Run `action(cleaned_data)` for a valid POSTed form and return its result (True when it
    returns nothing); a service's refusal lands on the form and the result is None."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = action(form.cleaned_data)
    except DomainError as error:
        add_domain_error(form, error)
        return None
    return True if result is None else result


def form_problems(form: forms.Form) -> str:
    """Every error of a form in one line, for pages that report them as a message (the form
    itself is on another page)."""
    return " ".join(str(error) for errors in form.errors.values() for error in errors)
