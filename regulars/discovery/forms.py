from django import forms
from django.utils.translation import gettext_lazy as _

from regulars.core.forms import QuickSelect

RADIUS_CHOICES = [
    (500, _("500 m")),
    (1000, _("1 km")),
    (2000, _("2 km")),
    (5000, _("5 km")),
    (10000, _("10 km")),
    (50000, _("50 km")),
]
SORT_CHOICES = [
    ("distance", _("Nearest")),
    ("rating", _("Best rated")),
    ("popularity", _("Most popular")),
]


class NearbyForm(forms.Form):
    """The consumer's search: a position (theirs or a district), radius, filters and order."""

    place = forms.ChoiceField(label=_("Near"), required=False, widget=QuickSelect)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, widget=forms.HiddenInput)
    radius_m = forms.TypedChoiceField(
        label=_("Within"),
        choices=RADIUS_CHOICES,
        coerce=int,
        initial=2000,
        required=False,
        widget=QuickSelect,
    )
    category = forms.ChoiceField(label=_("Category"), required=False, widget=QuickSelect)
    q = forms.CharField(label=_("Search"), max_length=50, required=False)
    open_now = forms.BooleanField(label=_("Open now"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort"),
        choices=SORT_CHOICES,
        required=False,
        initial="distance",
        widget=QuickSelect,
    )
    offset = forms.IntegerField(
        required=False, min_value=0, max_value=10000, widget=forms.HiddenInput
    )

    def __init__(self, *args, places=(), categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].choices = [("", _("My location")), *[(p.slug, p.name) for p in places]]
        from regulars.merchants.forms import category_choices

        self.fields["category"].choices = [("", _("All categories")), *category_choices(categories)]
