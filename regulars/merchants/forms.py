from django import forms
from django.utils.translation import gettext_lazy as _

from regulars.accounts.forms import SignUpForm
from regulars.core.forms import IsoDateInput

from .models import PhotoKind, Role, Weekday


def category_choices(categories) -> list:
    """Grouped choices: each top category with its subcategories."""
    tops = [c for c in categories if c.parent_id is None]
    choices = []
    for top in tops:
        children = [(c.slug, c.name) for c in categories if c.parent_id == top.pk]
        choices.append((top.name, [(top.slug, top.name), *children]))
    return choices


class MerchantForm(forms.Form):
    merchant_name = forms.CharField(label=_("Business name"), max_length=80)
    category = forms.ChoiceField(label=_("Main category"))
    merchant_phone = forms.CharField(label=_("Business phone"), max_length=20, required=False)

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices(categories)


class MerchantAndOwnerForm(MerchantForm, SignUpForm):
    """Sign-up for a new owner who has no account yet."""


class StoreForm(forms.Form):
    name = forms.CharField(label=_("Store name"), max_length=80)
    category = forms.ChoiceField(label=_("Category"))
    district = forms.CharField(label=_("District"), max_length=40, required=False)
    address = forms.CharField(label=_("Address"), max_length=200)
    lat = forms.FloatField(label=_("Latitude"), widget=forms.HiddenInput)
    lng = forms.FloatField(label=_("Longitude"), widget=forms.HiddenInput)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    features = forms.CharField(
        label=_("Features"),
        max_length=200,
        required=False,
        help_text=_("Short points customers look for, e.g. free Wi-Fi, parking, card accepted."),
    )
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    is_active = forms.BooleanField(label=_("Open for business"), required=False, initial=True)

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices(categories)

    def clean(self):
        data = super().clean()
        if "lat" in self.errors or "lng" in self.errors:
            # Both hidden fields come from the one pin: say it once, where it is seen.
            self.errors.pop("lat", None)
            self.errors.pop("lng", None)
            self.add_error(None, _("Set the position on the map."))
        return data


class HoursForm(forms.Form):
    """Two opening ranges per weekday; leave a day empty when the store is closed."""

    RANGES_PER_DAY = 2

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for day in Weekday:
            for n in range(self.RANGES_PER_DAY):
                for edge, label in (("opens", _("opens")), ("closes", _("closes"))):
                    self.fields[f"d{day.value}_{n}_{edge}"] = forms.TimeField(
                        label=f"{day.label} {label}",
                        required=False,
                        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                    )

    def day_rows(self):
        for day in Weekday:
            yield (
                day.label,
                [
                    (self[f"d{day.value}_{n}_opens"], self[f"d{day.value}_{n}_closes"])
                    for n in range(self.RANGES_PER_DAY)
                ],
            )

    def clean(self):
        data = super().clean()
        ranges = []
        for day in Weekday:
            for n in range(self.RANGES_PER_DAY):
                opens = data.get(f"d{day.value}_{n}_opens")
                closes = data.get(f"d{day.value}_{n}_closes")
                if opens is None and closes is None:
                    continue
                if opens is None or closes is None:
                    self.add_error(
                        f"d{day.value}_{n}_opens", _("Enter both the opening and the closing time.")
                    )
                    continue
                if closes <= opens:
                    self.add_error(
                        f"d{day.value}_{n}_closes",
                        _("Closing time must be later than opening time."),
                    )
                    continue
                ranges.append((day.value, opens, closes))
        data["ranges"] = ranges
        return data

    @classmethod
    def initial_from(cls, hours) -> dict:
        initial, counts = {}, {}
        for h in hours:
            n = counts.get(h.weekday, 0)
            if n < cls.RANGES_PER_DAY:
                initial[f"d{h.weekday}_{n}_opens"] = h.opens
                initial[f"d{h.weekday}_{n}_closes"] = h.closes
            counts[h.weekday] = n + 1
        return initial


class ClosureForm(forms.Form):
    start_date = forms.DateField(label=_("From"), widget=IsoDateInput())
    end_date = forms.DateField(label=_("Until"), widget=IsoDateInput())
    note = forms.CharField(label=_("Note"), max_length=100, required=False)


class PhotoForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What it shows"),
        choices=[c for c in PhotoKind.choices if c[0] != PhotoKind.ITEM],
    )
    image = forms.FileField(
        label=_("Photo"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    caption = forms.CharField(label=_("Caption"), max_length=100, required=False)


class ItemForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    price = forms.DecimalField(label=_("Price (¥)"), max_digits=12, decimal_places=2, min_value=0)
    member_price = forms.DecimalField(
        label=_("Member price (¥)"),
        max_digits=12,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text=_("What a member card holder pays; empty: the tier's discount only."),
    )
    section = forms.CharField(
        label=_("Menu section"),
        max_length=40,
        required=False,
        help_text=_("Where it is listed on the menu, such as Hair colouring."),
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), required=False, min_value=1, max_value=1440
    )
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    bookable = forms.BooleanField(label=_("Can be booked online"), required=False)
    slot_capacity = forms.IntegerField(
        label=_("People per time slot"), min_value=1, max_value=500, initial=1
    )
    home_service = forms.BooleanField(label=_("Served at the customer's address"), required=False)
    buyable = forms.BooleanField(label=_("Can be bought online"), required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )


class InviteForm(forms.Form):
    contact = forms.CharField(label=_("Mobile number or email"), max_length=254)
    # The least powerful role first: giving someone the shop by mistake is worse than too little.
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.CASHIER)


class StaffRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    is_active = forms.BooleanField(label=_("Active"), required=False)


class MerchantSettingsForm(forms.Form):
    name = forms.CharField(label=_("Business name"), max_length=80)
    phone = forms.CharField(label=_("Business phone"), max_length=20, required=False)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    free_cancel_hours = forms.IntegerField(
        label=_("Customers may cancel a booking free of charge until (hours before)"),
        min_value=0,
        max_value=168,
    )
    order_validity_days = forms.IntegerField(
        label=_("Orders bought online stay valid for (days); unused ones are then refunded"),
        min_value=1,
        max_value=3650,
    )
