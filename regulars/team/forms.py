from django import forms
from django.utils.translation import gettext_lazy as _

from regulars.merchants.models import Weekday

from .models import CommissionBasis, CommissionKind

TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class MemberForm(forms.Form):
    store_id = forms.TypedChoiceField(label=_("Store"), coerce=int)
    name = forms.CharField(label=_("Name"), max_length=40)
    title = forms.CharField(
        label=_("Title"), max_length=40, required=False, help_text=_("Such as Senior stylist.")
    )
    bio = forms.CharField(label=_("About"), max_length=200, required=False)
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    item_ids = forms.TypedMultipleChoiceField(
        label=_("Services performed"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    capacity = forms.IntegerField(
        label=_("Customers at once"), min_value=1, max_value=50, initial=1
    )
    user_id = forms.TypedChoiceField(
        label=_("Console account"), coerce=int, required=False, empty_value=None
    )
    bookable = forms.BooleanField(
        label=_("Customers can choose them online"), required=False, initial=True
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, stores=(), items=(), accounts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store_id"].choices = [(s.pk, s.name) for s in stores]
        self.fields["item_ids"].choices = [(i.pk, f"{i.name} · {i.store.name}") for i in items]
        self.fields["user_id"].choices = [("", "—")] + [(u.pk, str(u)) for u in accounts]
        # One working range a day; both empty: not working that day.
        for day, label in Weekday.choices:
            self.fields[f"starts_{day}"] = forms.TimeField(label=label, required=False, widget=TIME)
            self.fields[f"ends_{day}"] = forms.TimeField(
                label=_("until"), required=False, widget=TIME
            )

    def clean(self):
        data = super().clean()
        for day in Weekday.values:
            if bool(data.get(f"starts_{day}")) != bool(data.get(f"ends_{day}")):
                self.add_error(
                    f"starts_{day}",
                    _("Enter both times of a working day, or neither."),
                )
        return data

    def hours(self) -> list:
        """The working days filled in, as the service takes them."""
        from regulars.merchants.services import HoursRange

        data = self.cleaned_data
        return [
            HoursRange(day, data[f"starts_{day}"], data[f"ends_{day}"])
            for day in range(7)
            if data.get(f"starts_{day}") and data.get(f"ends_{day}")
        ]

    def week(self):
        """(weekday label, its two fields) for the hours table."""
        return [
            (label, self[f"starts_{day}"], self[f"ends_{day}"]) for day, label in Weekday.choices
        ]

    def profile_fields(self):
        return [self[name] for name in self.fields if not name.startswith(("starts_", "ends_"))]


class RuleForm(forms.Form):
    kind = forms.ChoiceField(label=_("Applies to"), choices=CommissionKind.choices)
    item_id = forms.TypedChoiceField(
        label=_("Service"), coerce=int, required=False, empty_value=None
    )
    section = forms.CharField(label=_("Menu section"), max_length=40, required=False)
    basis = forms.ChoiceField(label=_("Basis"), choices=CommissionBasis.choices)
    value = forms.DecimalField(
        label=_("Value"),
        max_digits=10,
        decimal_places=2,
        min_value=0,
        help_text=_("10 means 10 percent of what was paid, or ¥10 per unit."),
    )

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item_id"].choices = [("", "—")] + [
            (i.pk, f"{i.name} · {i.store.name}") for i in items
        ]
