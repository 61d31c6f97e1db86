from django import forms
from django.utils.translation import gettext_lazy as _

from .models import PlaceKind, Preferences

DISTANCES = [
    (500, _("500 m")),
    (1000, _("1 km")),
    (2000, _("2 km")),
    (3000, _("3 km")),
    (5000, _("5 km")),
    (10000, _("10 km")),
]


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = Preferences
        fields = [
            "promotions",
            "push",
            "sms",
            "quiet_from",
            "quiet_until",
            "daily_cap",
            "use_activity_range",
        ]
        widgets = {
            "quiet_from": forms.TimeInput(attrs={"type": "time"}),
            "quiet_until": forms.TimeInput(attrs={"type": "time"}),
        }


class PlaceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Place"), choices=PlaceKind.choices)
    label = forms.CharField(label=_("Name (optional)"), max_length=40, required=False)
    lat = forms.FloatField(label=_("Latitude"), min_value=-90, max_value=90)
    lng = forms.FloatField(label=_("Longitude"), min_value=-180, max_value=180)


class FollowForm(forms.Form):
    category = forms.TypedChoiceField(label=_("Kind of shop"), coerce=int, choices=[])
    radius_m = forms.TypedChoiceField(
        label=_("Within"), coerce=int, choices=DISTANCES, initial=2000
    )

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [
            (c.pk, f"{c.parent.name} · {c.name}" if c.parent_id else c.name) for c in categories
        ]
