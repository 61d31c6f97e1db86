from django import forms
from django.utils.translation import gettext_lazy as _

STARS = [(n, "★" * n) for n in range(5, 0, -1)]


class ReviewForm(forms.Form):
    stars = forms.TypedChoiceField(
        label=_("Overall"), choices=STARS, coerce=int, widget=forms.RadioSelect
    )
    service = forms.TypedChoiceField(
        label=_("Service"),
        choices=[("", "—"), *STARS],
        coerce=int,
        required=False,
        empty_value=None,
    )
    environment = forms.TypedChoiceField(
        label=_("Environment"),
        choices=[("", "—"), *STARS],
        coerce=int,
        required=False,
        empty_value=None,
    )
    value = forms.TypedChoiceField(
        label=_("Value for money"),
        choices=[("", "—"), *STARS],
        coerce=int,
        required=False,
        empty_value=None,
    )
    text = forms.CharField(
        label=_("Your review"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        required=False,
    )
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Reply"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class ReportForm(forms.Form):
    reason = forms.CharField(label=_("What is wrong with it?"), max_length=200)
