from html import escape

from django import forms
from django.utils.safestring import mark_safe

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


def _attributes(attrs: dict) -> str:
    """Attributes as Django's attrs.html writes them: in their order, True bare, False left out."""
    return "".join(
        f" {escape(str(name))}" if value is True else f' {escape(str(name))}="{escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


class QuickSelect(forms.Select):
    """A <select> written out in Python rather than through the per-option widget templates.

    Django renders each <option> through its own template include; the nearby page's four
    selects have 59 options, and rendering them that way was a sixth of a cold page. The markup
    is the same as Django's own (select.html, select_option.html, attrs.html); values and labels
    are escaped as Django escapes them (html.escape of their text).
    """

    def render(self, name, value, attrs=None, renderer=None):
        chosen = {str(v) for v in self.format_value(value)}
        final_attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            final_attrs["multiple"] = True
        parts = [f'<select name="{escape(name)}"{_attributes(final_attrs)}>']

        def option(option_value, label):
            text = "" if option_value is None else str(option_value)
            picked = " selected" if text in chosen else ""
            return f'<option value="{escape(text)}"{picked}>{escape(str(label))}</option>'

        for group_value, group_label in self.choices:
            if isinstance(group_label, (list, tuple)):
                parts.append(f'<optgroup label="{escape(str(group_value))}">')
                parts.extend(option(v, label) for v, label in group_label)
                parts.append("</optgroup>")
            else:
                parts.append(option(group_value, group_label))
        parts.append("</select>")
        return mark_safe("".join(parts))
