from django import forms
from django.utils.translation import gettext_lazy as _

from .models import CardTemplate


class ProgramForm(forms.Form):
    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["excluded_items"].choices = [
            (str(item.pk), f"{item.store.name} · {item.name}") for item in items
        ]

    title = forms.CharField(label=_("Card title"), max_length=40)
    subtitle = forms.CharField(label=_("Line under the title"), max_length=60, required=False)
    template = forms.ChoiceField(
        label=_("Template"), choices=CardTemplate.choices, widget=forms.RadioSelect
    )
    color = forms.CharField(
        label=_("Main colour"), max_length=7, widget=forms.TextInput(attrs={"type": "color"})
    )
    text_color = forms.CharField(
        label=_("Text colour"), max_length=7, widget=forms.TextInput(attrs={"type": "color"})
    )
    points_per_yuan_off = forms.IntegerField(
        label=_("Points for ¥1 off"), min_value=1, max_value=10000
    )
    min_redeem_points = forms.IntegerField(
        label=_("Fewest points used at once"), min_value=0, initial=100
    )
    max_redeem_percent = forms.IntegerField(
        label=_("Points pay at most this percentage of a bill"),
        min_value=1,
        max_value=100,
        initial=50,
    )
    points_round_nearest = forms.BooleanField(
        label=_("Round points to the nearest whole point (otherwise down)"), required=False
    )
    excluded_items = forms.MultipleChoiceField(
        label=_("Services that earn no points"), required=False, widget=forms.CheckboxSelectMultiple
    )
    auto_approve = forms.BooleanField(label=_("Approve applications automatically"), required=False)
    published = forms.BooleanField(label=_("Published: customers can join"), required=False)
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )
    background = forms.FileField(
        label=_("Background picture"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )


class PasswordForm(forms.Form):
    password = forms.CharField(
        label=_("New consumption password (6 digits)"),
        max_length=6,
        widget=forms.PasswordInput(
            attrs={"inputmode": "numeric", "autocomplete": "new-password", "pattern": "[0-9]{6}"}
        ),
    )
    current = forms.CharField(
        label=_("Current password (if you have one)"),
        max_length=6,
        required=False,
        widget=forms.PasswordInput(
            attrs={"inputmode": "numeric", "autocomplete": "current-password"}
        ),
    )


class IssueForm(forms.Form):
    phone = forms.CharField(label=_("Customer's mobile number"), max_length=20)
    printed_number = forms.CharField(
        label=_("Number of the physical card handed over (optional)"), max_length=20, required=False
    )


class PrintForm(forms.Form):
    count = forms.IntegerField(
        label=_("How many physical cards"), min_value=1, max_value=500, initial=50
    )


class TillForm(forms.Form):
    """One form for the till's moves on a card; the idempotency key comes with the page."""

    ACTIONS = [
        ("purchase", _("Record a purchase")),
        ("top_up", _("Top up (paid at the counter)")),
        ("pay", _("Pay from the balance")),
        ("points", _("Use points")),
        ("reward", _("Exchange points for a service")),
        ("adjust", _("Adjust points")),
        ("refund", _("Refund paid-in money")),
    ]
    action = forms.ChoiceField(choices=ACTIONS, widget=forms.HiddenInput)
    amount = forms.DecimalField(
        label=_("Amount (¥)"), max_digits=12, decimal_places=2, required=False
    )
    points = forms.IntegerField(label=_("Points"), required=False)
    description = forms.CharField(label=_("What was bought"), max_length=200, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)
    password = forms.CharField(
        label=_("Customer's consumption password"),
        max_length=6,
        required=False,
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    reward = forms.TypedChoiceField(
        label=_("Reward"), coerce=int, choices=[], required=False, empty_value=None
    )
    # Unticked only when the bill typed already is a member price.
    apply_member_price = forms.BooleanField(label=_("Member price"), required=False, initial=True)
    idempotency_key = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, rewards=(), member_price_label: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if member_price_label:
            self.fields["apply_member_price"].label = _("Member price: %(tier)s") % {
                "tier": member_price_label
            }
        self.fields["reward"].choices = [
            (
                reward.pk,
                _("%(item)s for %(points)d points")
                % {"item": reward.item.name, "points": reward.points},
            )
            for reward in rewards
        ]


class TierForm(forms.Form):
    name = forms.CharField(label=_("Tier name"), max_length=20)
    discount_percent = forms.DecimalField(
        label=_("Discount %"), min_value=0, max_value=99.99, decimal_places=2
    )
    points_per_yuan = forms.DecimalField(
        label=_("Points per ¥1"), min_value=0, max_value=100, decimal_places=2
    )
    benefits = forms.CharField(label=_("Benefits"), max_length=200, required=False)
    qualify_spend = forms.DecimalField(
        label=_("Upgrade when spending (¥)"), min_value=0, decimal_places=2
    )
    qualify_points = forms.IntegerField(
        label=_("or when earning (points)"), min_value=0, initial=0, required=False
    )
    qualify_days = forms.IntegerField(label=_("within (days)"), min_value=1, max_value=3650)


class TopUpRulesForm(forms.Form):
    ROWS = 4

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for n in range(self.ROWS):
            self.fields[f"pay_{n}"] = forms.DecimalField(
                label=_("Top up at least (¥)"), min_value=0, decimal_places=2, required=False
            )
            self.fields[f"bonus_{n}"] = forms.DecimalField(
                label=_("Bonus (¥)"), min_value=0, decimal_places=2, required=False
            )

    def rows(self):
        return [(self[f"pay_{n}"], self[f"bonus_{n}"]) for n in range(self.ROWS)]

    def rules(self) -> list[tuple]:
        return [
            (self.cleaned_data[f"pay_{n}"], self.cleaned_data[f"bonus_{n}"] or 0)
            for n in range(self.ROWS)
            if self.cleaned_data.get(f"pay_{n}")
        ]


class PayOrderForm(forms.Form):
    password = forms.CharField(
        label=_("Consumption password"),
        max_length=6,
        widget=forms.PasswordInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "autofocus": True}
        ),
    )


class RewardForm(forms.Form):
    """Offer a service for points (0 withdraws it)."""

    item = forms.TypedChoiceField(label=_("Service"), coerce=int, choices=[])
    points = forms.IntegerField(label=_("Points"), min_value=0, max_value=10_000_000)

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [(item.pk, f"{item.name} (¥{item.price})") for item in items]


class ExchangeForm(forms.Form):
    password = forms.CharField(
        label=_("Consumption password"),
        max_length=6,
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class TopUpForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Top up (¥)"), min_value=1, max_value=100000, decimal_places=2
    )
