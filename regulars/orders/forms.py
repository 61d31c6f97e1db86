from django import forms
from django.utils.translation import gettext_lazy as _


class BookingForm(forms.Form):
    starts_at = forms.DateTimeField(widget=forms.HiddenInput)
    party_size = forms.IntegerField(label=_("People"), min_value=1, max_value=50, initial=1)
    home_address = forms.CharField(
        label=_("Address for home service"), max_length=200, required=False
    )
    note = forms.CharField(label=_("Note for the shop"), max_length=200, required=False)


class BuyForm(forms.Form):
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=99, initial=1)
    payment_method = forms.ChoiceField(
        label=_("Payment"),
        choices=[("sandbox", _("Pay online now")), ("store", _("Pay at the shop"))],
        widget=forms.RadioSelect,
        initial="sandbox",
    )


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
