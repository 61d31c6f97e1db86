from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from regulars.core.forms import IsoDateInput
from regulars.servicedesk import knowledge


class CallResultForm(forms.Form):
    """The result of a follow-up call: how satisfied the customer was, or why no score could be
    had (seed 004: a complaint's file ends with it)."""

    satisfaction = forms.TypedChoiceField(
        label=_("Customer's satisfaction"),
        coerce=int,
        empty_value=None,
        required=False,
        choices=[("", "—"), *[(n, "★" * n) for n in range(5, 0, -1)]],
    )
    no_score_reason = forms.CharField(
        label=_("No score? Why not"),
        max_length=200,
        required=False,
        help_text=_("After a complaint: the customer could not be reached, declined to say…"),
    )


class ComplaintForm(forms.Form):
    """What a consumer (or staff taking a call) fills in."""

    category = forms.ChoiceField(label=_("What it is about"), choices=[])
    subject = forms.CharField(label=_("Subject"), max_length=120)
    description = forms.CharField(
        label=_("What happened"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000
    )

    def __init__(self, *args, **kwargs):
        from .models import TicketCategory

        super().__init__(*args, **kwargs)
        self.fields["category"].choices = TicketCategory.choices


class StaffTicketForm(ComplaintForm):
    channel = forms.ChoiceField(label=_("Came in by"), choices=[])
    customer = forms.IntegerField(label=_("Customer number (if known)"), required=False)

    def __init__(self, *args, **kwargs):
        from .models import TicketChannel

        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [
            c for c in TicketChannel.choices if c[0] in ("staff", "public")
        ]


class AdvanceTicketForm(forms.Form):
    note = forms.CharField(
        label=_("What was done"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    handler = forms.TypedChoiceField(
        label=_("Hand to"), coerce=int, empty_value=None, required=False
    )
    resolution = forms.CharField(
        label=_("Answer to the customer"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
    )
    satisfaction = CallResultForm.base_fields["satisfaction"]
    no_score_reason = CallResultForm.base_fields["no_score_reason"]

    def __init__(
        self, *args, staff=(), answering=False, closing=False, transferring=False, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.fields["handler"].choices = [("", "—")] + [
            (m.user_id, str(m.user)) for m in staff if m.is_active
        ]
        if not transferring:
            del self.fields["handler"]
        if not answering:
            del self.fields["resolution"]
        if closing:
            self.fields["note"].label = _("The follow-up call: what the customer said")
        else:
            del self.fields["satisfaction"], self.fields["no_score_reason"]


class ArticleForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=[])
    title = forms.CharField(label=_("Title"), max_length=120)
    body = forms.CharField(
        label=_("Text"), widget=forms.Textarea(attrs={"rows": 6}), max_length=5000
    )
    topic = forms.ChoiceField(label=_("Helps with"), choices=[], required=False)

    def __init__(self, *args, **kwargs):
        from .models import ArticleKind

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = ArticleKind.choices
        self.fields["topic"].choices = [("", _("Everything"))] + [
            (topic.value, str(topic.label)) for topic in knowledge.topics()
        ]


class SurveyForm(forms.Form):
    recommend = forms.TypedChoiceField(
        label=_("How likely are you to recommend us to a friend? (0: not at all, 10: certainly)"),
        coerce=int,
        choices=[(n, str(n)) for n in range(11)],
        widget=forms.RadioSelect(attrs={"class": "scale"}),
    )
    satisfied = forms.TypedChoiceField(
        label=_("How satisfied were you with this visit?"),
        coerce=int,
        choices=[(n, "★" * n) for n in range(5, 0, -1)],
        widget=forms.RadioSelect(attrs={"class": "scale"}),
    )
    comment = forms.CharField(
        label=_("Anything we should know? (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for index, name in enumerate(self.items):
            self.fields[f"item_{index}"] = forms.TypedChoiceField(
                label=_("%(service)s: how good was it?") % {"service": name},
                coerce=int,
                empty_value=None,
                required=False,
                choices=[(n, "★" * n) for n in range(5, 0, -1)],
                widget=forms.RadioSelect(attrs={"class": "scale"}),
            )
        items = [f"item_{index}" for index in range(len(self.items))]
        self.order_fields(["recommend", "satisfied", *items, "comment"])

    def answers(self) -> dict:
        data = dict(self.cleaned_data)
        data["item_scores"] = {
            name: data.pop(f"item_{index}") for index, name in enumerate(self.items)
        }
        return data


class CorrectiveActionForm(forms.Form):
    category = forms.ChoiceField(label=_("About"), choices=[])
    action = forms.CharField(label=_("What we will change"), max_length=300)
    owner = forms.TypedChoiceField(label=_("Who"), coerce=int, choices=[])
    due_on = forms.DateField(label=_("By"), widget=IsoDateInput())

    def __init__(self, *args, staff=(), **kwargs):
        from .models import TicketCategory

        super().__init__(*args, **kwargs)
        self.fields["category"].choices = TicketCategory.choices
        self.fields["category"].label = _("What it is about")
        self.fields["owner"].choices = [(m.user_id, str(m.user)) for m in staff if m.is_active]


class DeskSettingsForm(forms.Form):
    opens = forms.TimeField(
        label=_("The desk opens"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    closes = forms.TimeField(
        label=_("The desk closes"), widget=forms.TimeInput(attrs={"type": "time"})
    )

    def __init__(self, *args, **kwargs):
        from .models import TicketStage

        super().__init__(*args, **kwargs)
        for value, label in TicketStage.choices:
            if value == TicketStage.CLOSED:
                continue
            self.fields[f"hours_{value}"] = forms.DecimalField(
                label=_("%(stage)s: hours allowed") % {"stage": label},
                min_value=Decimal("0.1"),
                max_value=720,
                decimal_places=1,
            )

    def stage_hours(self) -> dict:
        return {
            name.removeprefix("hours_"): float(value)
            for name, value in self.cleaned_data.items()
            if name.startswith("hours_")
        }
