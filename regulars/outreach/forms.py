from django import forms
from django.utils.translation import gettext_lazy as _

from regulars.core.forms import IsoDateTimeInput


class MessageForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    body = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=1000,
        required=False,
    )
    send_at = forms.DateTimeField(
        label=_("Send at (empty: now)"),
        required=False,
        widget=IsoDateTimeInput(),
    )


class GreetingsForm(forms.Form):
    birthday_days = forms.TypedChoiceField(
        label=_("Birthday greetings"),
        coerce=int,
        choices=[(0, _("none"))] + [(n, _("%(n)s days before") % {"n": n}) for n in range(2, 8)],
    )
    birthday_title = forms.CharField(
        label=_("Title (empty: “Happy birthday from” the shop)"), max_length=120, required=False
    )
    birthday_body = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
        required=False,
    )
    birthday_campaign = forms.TypedChoiceField(
        label=_("With a coupon from"), coerce=int, empty_value=None, required=False
    )
    holidays = forms.MultipleChoiceField(
        label=_("Holiday greetings"), required=False, widget=forms.CheckboxSelectMultiple
    )
    holiday_campaign = forms.TypedChoiceField(
        label=_("Holiday greetings come with a coupon from"),
        coerce=int,
        empty_value=None,
        required=False,
    )

    follow_up_after_visit = forms.BooleanField(
        label=_("Call each customer back the day after an online order is used (a task)"),
        required=False,
    )
    referral_campaign = forms.TypedChoiceField(
        label=_("When someone brings a friend, both get a coupon from"),
        coerce=int,
        empty_value=None,
        required=False,
    )

    def __init__(self, *args, campaigns=(), today=None, **kwargs):
        from .holidays import HOLIDAYS

        super().__init__(*args, **kwargs)
        picks = [("", "—")] + [(c.pk, c.name) for c in campaigns]
        self.fields["birthday_campaign"].choices = picks
        self.fields["holiday_campaign"].choices = picks
        self.fields["referral_campaign"].choices = picks
        self.fields["holidays"].choices = [
            (
                h.key,
                _("%(name)s (next: %(date)s)")
                % {"name": h.name, "date": f"{h.next_on_or_after(today):%Y-%m-%d}"},
            )
            for h in HOLIDAYS
        ]
