import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from regulars.core import clock
from regulars.core.forms import IsoDateTimeInput

from . import audiences
from .models import ClaimMode, CouponKind, FlashTarget
from .services import CampaignInput


class CampaignForm(forms.Form):
    """The campaign designer: every choice on one page, previewed as the consumer will see it."""

    name = forms.CharField(label=_("Name"), max_length=60)
    description = forms.CharField(
        label=_("Conditions shown to customers"), max_length=200, required=False
    )
    kind = forms.ChoiceField(label=_("Type"), choices=CouponKind.choices, initial="threshold")
    amount = forms.DecimalField(
        label=_("Amount off (¥)"), min_value=0, decimal_places=2, required=False
    )
    threshold = forms.DecimalField(
        label=_("Minimum spend (¥)"), min_value=0, decimal_places=2, required=False
    )
    percent = forms.IntegerField(label=_("Percent off"), min_value=0, max_value=99, required=False)
    cap = forms.DecimalField(
        label=_("At most (¥), 0 for no cap"), min_value=0, decimal_places=2, required=False
    )
    free_item = forms.TypedChoiceField(
        label=_("Free service"), coerce=int, choices=[], required=False, empty_value=None
    )
    points_price = forms.IntegerField(label=_("Points to exchange"), min_value=0, required=False)
    items = forms.TypedMultipleChoiceField(
        label=_("Applies to services (none: all)"),
        coerce=int,
        choices=[],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    stores = forms.TypedMultipleChoiceField(
        label=_("Valid in stores (none: all)"),
        coerce=int,
        choices=[],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    valid_from = forms.DateTimeField(label=_("Valid from"), widget=IsoDateTimeInput())
    valid_until = forms.DateTimeField(label=_("Valid until"), widget=IsoDateTimeInput())
    valid_days = forms.IntegerField(
        label=_("Or valid for days after claiming"), min_value=1, max_value=365, required=False
    )
    stock = forms.IntegerField(label=_("Total coupons"), min_value=1, initial=100)
    per_customer = forms.IntegerField(
        label=_("Per customer"), min_value=1, max_value=100, initial=1
    )
    claim_mode = forms.ChoiceField(
        label=_("How customers get it"),
        choices=ClaimMode.choices,
        initial=ClaimMode.PUBLIC,
        widget=forms.RadioSelect,
    )
    audience = forms.ChoiceField(label=_("Who may have it"), choices=[], initial="anyone")
    audience_param = forms.TypedChoiceField(
        label=_("Segment"), coerce=int, choices=[], required=False, empty_value=None
    )
    tiers = forms.TypedMultipleChoiceField(
        label=_("Tiers"),
        coerce=int,
        choices=[],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    phones = forms.CharField(
        label=_("Customer list: phone numbers, one per line"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    holdout_percent = forms.IntegerField(
        label=_("Hold out this percentage of the audience to measure the effect"),
        min_value=0,
        max_value=50,
        initial=0,
        required=False,
    )

    def __init__(self, *args, items=(), stores=(), tiers=(), segments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["audience_param"].choices = [("", "—")] + list(segments)
        item_choices = [(item.pk, f"{item.name} (¥{item.price})") for item in items]
        self.fields["free_item"].choices = [("", "—")] + item_choices
        self.fields["items"].choices = item_choices
        self.fields["stores"].choices = [(store.pk, store.name) for store in stores]
        self.fields["tiers"].choices = [(tier.pk, tier.name) for tier in tiers]
        self.fields["audience"].choices = audiences.choices()
        if not self.is_bound and not self.initial.get("valid_from"):
            today = clock.localnow().replace(minute=0, second=0, microsecond=0)
            self.initial.update(valid_from=today, valid_until=today + dt.timedelta(days=30))

    def to_input(self) -> CampaignInput:
        data = self.cleaned_data
        return CampaignInput(
            name=data["name"],
            description=data["description"],
            kind=data["kind"],
            amount=data["amount"] or 0,
            threshold=data["threshold"] or 0,
            percent=data["percent"] or 0,
            cap=data["cap"] or 0,
            free_item_id=data["free_item"],
            points_price=data["points_price"] or 0,
            item_ids=data["items"],
            store_ids=data["stores"],
            valid_from=data["valid_from"],
            valid_until=data["valid_until"],
            valid_days=data["valid_days"],
            stock=data["stock"],
            per_customer=data["per_customer"],
            claim_mode=data["claim_mode"],
            audience=data["audience"],
            audience_param=data["audience_param"],
            tier_ids=data["tiers"],
            phones=(data["phones"] or "").splitlines(),
            holdout_percent=data["holdout_percent"] or 0,
        )

    @staticmethod
    def initial_for(campaign) -> dict:
        return {
            "name": campaign.name,
            "description": campaign.description,
            "kind": campaign.kind,
            "amount": campaign.amount,
            "threshold": campaign.threshold,
            "percent": campaign.percent,
            "cap": campaign.cap,
            "free_item": campaign.free_item_id,
            "points_price": campaign.points_price,
            "items": [item.pk for item in campaign.items.all()],
            "stores": [store.pk for store in campaign.stores.all()],
            "valid_from": timezone.localtime(campaign.valid_from),
            "valid_until": timezone.localtime(campaign.valid_until),
            "valid_days": campaign.valid_days,
            "stock": campaign.stock,
            "per_customer": campaign.per_customer,
            "claim_mode": campaign.claim_mode,
            "audience": campaign.audience,
            "audience_param": next(iter(campaign.audience_params.values()), None),
            "tiers": [tier.pk for tier in campaign.audience_tiers.all()],
            "phones": "\n".join(user.phone or "" for user in campaign.audience_users.all()),
            "holdout_percent": campaign.holdout_percent,
        }


class CodesForm(forms.Form):
    count = forms.IntegerField(
        label=_("How many codes"), min_value=1, max_value=100_000, initial=1000
    )


class RedeemForm(forms.Form):
    code = forms.CharField(
        label=_("Coupon code"),
        max_length=30,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "autofocus": True}
        ),
    )
    bill = forms.DecimalField(
        label=_("Bill the coupon applies to (¥)"),
        min_value=0,
        decimal_places=2,
        widget=forms.NumberInput(
            attrs={"inputmode": "decimal", "step": "0.01", "data-after-scan": ""}
        ),
    )
    store = forms.TypedChoiceField(
        label=_("Store"), coerce=int, choices=[], required=False, empty_value=None
    )

    def __init__(self, *args, stores=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].choices = [(store.pk, store.name) for store in stores]
        if len(self.fields["store"].choices) == 1:
            self.fields["store"].initial = self.fields["store"].choices[0][0]


class ClaimCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Coupon code"),
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class FlashDealForm(forms.Form):
    store = forms.TypedChoiceField(label=_("Store"), coerce=int, choices=[])
    name = forms.CharField(label=_("Name"), max_length=60)
    kind = forms.ChoiceField(
        label=_("Type"),
        choices=[
            (CouponKind.AMOUNT_OFF, CouponKind.AMOUNT_OFF.label),
            (CouponKind.PERCENT_OFF, CouponKind.PERCENT_OFF.label),
            (CouponKind.THRESHOLD, CouponKind.THRESHOLD.label),
        ],
        initial=CouponKind.AMOUNT_OFF,
    )
    amount = forms.DecimalField(
        label=_("Amount off (¥)"), min_value=0, decimal_places=2, required=False
    )
    threshold = forms.DecimalField(
        label=_("Minimum spend (¥)"), min_value=0, decimal_places=2, required=False
    )
    percent = forms.IntegerField(label=_("Percent off"), min_value=0, max_value=99, required=False)
    stock = forms.IntegerField(label=_("How many"), min_value=1, max_value=100_000, initial=20)
    duration_minutes = forms.TypedChoiceField(
        label=_("Lasts"),
        coerce=int,
        choices=[
            (15, _("15 minutes")),
            (30, _("30 minutes")),
            (60, _("1 hour")),
            (120, _("2 hours")),
            (240, _("4 hours")),
            (720, _("12 hours")),
        ],
        initial=60,
    )
    starts_at = forms.DateTimeField(
        label=_("Send at (empty: now)"),
        required=False,
        widget=IsoDateTimeInput(),
    )
    target = forms.ChoiceField(
        label=_("Send to"), choices=FlashTarget.choices, initial="nearby", widget=forms.RadioSelect
    )
    phones = forms.CharField(
        label=_("Customer list: phone numbers, one per line"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )

    def __init__(self, *args, stores=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].choices = [(store.pk, store.name) for store in stores]

    def to_input(self):
        from .services import FlashDealInput

        data = self.cleaned_data
        return FlashDealInput(
            store_id=data["store"],
            name=data["name"],
            kind=data["kind"],
            amount=data["amount"] or 0,
            threshold=data["threshold"] or 0,
            percent=data["percent"] or 0,
            stock=data["stock"],
            duration_minutes=data["duration_minutes"],
            starts_at=data["starts_at"],
            target=data["target"],
            phones=(data["phones"] or "").splitlines(),
        )
