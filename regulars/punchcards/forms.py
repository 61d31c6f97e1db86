from django import forms
from django.utils.translation import gettext_lazy as _

from .models import PlanKind


class PlanForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)
    kind = forms.ChoiceField(label=_("Kind"), choices=PlanKind.choices, initial=PlanKind.USES)
    uses = forms.IntegerField(label=_("Uses"), required=False, min_value=1, max_value=1000)
    daily_cap = forms.IntegerField(
        label=_("Uses a day at most (period cards)"), required=False, min_value=1, max_value=20
    )
    price = forms.DecimalField(label=_("Price (¥)"), max_digits=12, decimal_places=2, min_value=0)
    valid_days = forms.IntegerField(
        label=_("Valid for (days from purchase)"), min_value=1, max_value=1098, initial=365
    )
    item_ids = forms.TypedMultipleChoiceField(
        label=_("Services it covers"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    transferable = forms.BooleanField(label=_("May be given to someone else"), required=False)

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item_ids"].choices = [
            (item.pk, f"{item.name} · ¥{item.price}") for item in items
        ]


class UseForm(forms.Form):
    number = forms.CharField(
        label=_("Punch card number"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
