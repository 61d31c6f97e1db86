from django import forms
from django.utils.translation import gettext_lazy as _


class BookingForm(forms.Form):
    starts_at = forms.DateTimeField(widget=forms.HiddenInput)
    served_by = forms.IntegerField(widget=forms.HiddenInput, required=False)
    party_size = forms.IntegerField(label=_("People"), min_value=1, max_value=50, initial=1)
    home_address = forms.CharField(
        label=_("Address for home service"), max_length=200, required=False
    )
    note = forms.CharField(label=_("Note for the shop"), max_length=200, required=False)
    prepaid_with = forms.ChoiceField(label=_("Pay with"), choices=[], required=False)

    def __init__(self, *args, prepaid_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        if prepaid_choices:
            self.fields["prepaid_with"].choices = [("", _("Pay in the shop"))] + list(
                prepaid_choices
            )
        else:
            del self.fields["prepaid_with"]


class BuyForm(forms.Form):
    """Quantities of every service the store sells online (the chosen one starts at 1)."""

    payment_method = forms.ChoiceField(
        label=_("Payment"),
        choices=[],
        widget=forms.RadioSelect,
    )

    points = forms.IntegerField(
        label=_("Points to use"),
        min_value=0,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    points_password = forms.CharField(
        label=_("Consumption password"),
        required=False,
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    coupon = forms.ChoiceField(label=_("Coupon"), choices=[], required=False)
    punch_card = forms.ChoiceField(label=_("Pay with a punch card"), choices=[], required=False)

    def __init__(
        self,
        *args,
        items=(),
        chosen=None,
        payment_choices=None,
        offers=None,
        coupon_choices=(),
        punch_choices=(),
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        self.offers = offers or {}
        if "points" not in self.offers:
            del self.fields["points"], self.fields["points_password"]
        if coupon_choices:
            self.fields["coupon"].choices = [("", _("No coupon"))] + list(coupon_choices)
        else:
            del self.fields["coupon"]
        if punch_choices:
            self.fields["punch_card"].choices = [("", _("Not this time"))] + list(punch_choices)
        else:
            del self.fields["punch_card"]
        if payment_choices:
            self.fields["payment_method"].choices = payment_choices
            self.fields["payment_method"].initial = payment_choices[0][0]
        for item in self.items:
            self.fields[f"qty_{item.pk}"] = forms.IntegerField(
                label=item.name,
                min_value=0,
                max_value=99,
                initial=1 if item.pk == chosen else 0,
                required=False,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )
        # Quantities first, payment last.
        self.order_fields([f"qty_{item.pk}" for item in self.items] + ["payment_method"])

    def discounts(self) -> dict[str, dict]:
        """The discounts the buyer asked for, as `place_order` takes them."""
        asked = {}
        if self.cleaned_data.get("coupon"):
            asked["coupon"] = {"code": self.cleaned_data["coupon"]}
        if self.cleaned_data.get("punch_card"):
            asked["punch"] = {"number": self.cleaned_data["punch_card"]}
        if self.cleaned_data.get("points"):
            asked["points"] = {
                "points": self.cleaned_data["points"],
                "password": self.cleaned_data.get("points_password", ""),
            }
        return asked

    def lines(self) -> list[tuple[int, int]]:
        return [
            (item.pk, self.cleaned_data[f"qty_{item.pk}"])
            for item in self.items
            if self.cleaned_data.get(f"qty_{item.pk}")
        ]

    def item_rows(self):
        return [(item, self[f"qty_{item.pk}"]) for item in self.items]


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class CashierForm(forms.Form):
    code = forms.CharField(
        label=_("Order code"),
        max_length=30,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "autofocus": True}
        ),
    )
    collect_payment = forms.BooleanField(label=_("Payment taken at the counter"), required=False)
    served_by = forms.TypedChoiceField(
        label=_("Served by"), choices=[], coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args, team=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["served_by"].choices = [("", "—")] + [(m.pk, str(m)) for m in team]
