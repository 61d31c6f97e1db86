from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from regulars.core.forms import IsoDateInput, IsoDateTimeInput

from .behaviour import LOYALTY_QUADRANTS, VALUE_QUADRANTS
from .imports import FIELD_LABELS
from .models import RfmSegment, Source


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Name, phone or note"), required=False)
    tag = forms.ChoiceField(label=_("Tag"), choices=[], required=False)
    source = forms.ChoiceField(
        label=_("Came from"), choices=[("", "—"), *Source.choices], required=False
    )
    min_spend = forms.DecimalField(label=_("Spent at least (¥)"), min_value=0, required=False)
    min_visits = forms.IntegerField(label=_("Visits at least"), min_value=0, required=False)
    seen_after = forms.DateField(label=_("Last visit from"), required=False, widget=IsoDateInput())
    seen_before = forms.DateField(
        label=_("Last visit until"), required=False, widget=IsoDateInput()
    )
    manager = forms.TypedChoiceField(
        label=_("Account manager"), coerce=int, choices=[], required=False, empty_value=None
    )
    silent_days = forms.IntegerField(
        label=_("No visit for at least (days)"), min_value=0, required=False
    )
    tier = forms.TypedChoiceField(
        label=_("Card tier"), coerce=int, choices=[], required=False, empty_value=None
    )
    rfm_segment = forms.ChoiceField(
        label=_("RFM segment"), choices=[("", "—"), *RfmSegment.choices], required=False
    )
    churn_risk = forms.NullBooleanField(
        label=_("Slipping away"),
        required=False,
        widget=forms.Select(choices=[("", "—"), ("true", _("yes")), ("false", _("no"))]),
    )
    value_level = forms.TypedChoiceField(
        label=_("Value level"), coerce=int, choices=[], required=False, empty_value=None
    )
    quadrant = forms.ChoiceField(label=_("Matrix cell"), choices=[], required=False)
    at_risk = forms.NullBooleanField(
        label=_("On the risk list"),
        required=False,
        widget=forms.Select(choices=[("", "—"), ("true", _("yes")), ("false", _("no"))]),
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        choices=[
            ("recent", _("Last visit")),
            ("spend", _("Spend")),
            ("visits", _("Visits")),
            ("name", _("Name")),
        ],
        required=False,
    )

    def __init__(self, *args, tags=(), staff=(), tiers=(), levels=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["value_level"].choices = [("", "—")] + [(v.pk, v.name) for v in levels]
        self.fields["quadrant"].choices = [("", "—")] + [
            (q.key, q.label) for q in (*VALUE_QUADRANTS, *LOYALTY_QUADRANTS)
        ]
        self.fields["tier"].choices = [("", "—")] + [(t.pk, t.name) for t in tiers]
        self.fields["tag"].choices = [("", "—")] + [(t.name, t.name) for t in tags]
        self.fields["manager"].choices = [("", "—")] + [(m.user_id, str(m.user)) for m in staff]


class CustomerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60, required=False)
    birthday = forms.DateField(label=_("Birthday"), required=False, widget=IsoDateInput())
    tags = forms.CharField(label=_("Tags (comma-separated)"), max_length=250, required=False)
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    consent = forms.BooleanField(label=_("Agreed to receive offers"), required=False)
    account_manager = forms.TypedChoiceField(
        label=_("Account manager"), coerce=int, choices=[], required=False, empty_value=None
    )
    referred_by = forms.IntegerField(
        label=_("Introduced by (customer number)"), min_value=1, required=False
    )

    def __init__(self, *args, staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account_manager"].choices = [("", "—")] + [
            (m.user_id, str(m.user)) for m in staff
        ]

    def tag_list(self) -> list[str]:
        raw = (self.cleaned_data.get("tags") or "").replace("，", ",")
        return [tag.strip() for tag in raw.split(",") if tag.strip()]


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet (.csv or .xlsx, first row: column names)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )


class MappingForm(forms.Form):
    """Which column of the file holds each field (phone is required: it is how people are
    recognised)."""

    def __init__(self, *args, headers=(), **kwargs):
        super().__init__(*args, **kwargs)
        columns = [("", "—")] + [
            (str(i), header or f"#{i + 1}") for i, header in enumerate(headers)
        ]
        for field, label in FIELD_LABELS.items():
            self.fields[field] = forms.ChoiceField(
                label=label, choices=columns, required=field == "phone"
            )

    def mapping(self) -> dict:
        return {
            field: int(value) if value != "" else None for field, value in self.cleaned_data.items()
        }


class DirectorySettingsForm(forms.Form):
    lapse_grace_days = forms.IntegerField(min_value=0, max_value=90)
    high_value_score = forms.IntegerField(min_value=1, max_value=5)
    high_loyalty_score = forms.IntegerField(min_value=1, max_value=5)
    high_influence = forms.IntegerField(min_value=0, max_value=100)
    high_satisfaction = forms.DecimalField(min_value=1, max_value=5, decimal_places=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import DirectorySettings

        for name, field in self.fields.items():
            field.label = DirectorySettings._meta.get_field(name).verbose_name


class ValueLevelsForm(forms.Form):
    """Up to eight rows of name + threshold; empty rows are ignored."""

    ROWS = 8

    def __init__(self, *args, levels=(), **kwargs):
        super().__init__(*args, **kwargs)
        levels = list(levels)
        for index in range(self.ROWS):
            level = levels[index] if index < len(levels) else None
            self.fields[f"name_{index}"] = forms.CharField(
                label=_("Level"), max_length=20, required=False, initial=level and level.name
            )
            self.fields[f"min_spend_{index}"] = forms.DecimalField(
                label=_("From a total spend of (¥)"),
                min_value=0,
                max_digits=10,
                decimal_places=2,
                required=False,
                initial=level and level.min_spend,
            )

    def rows(self):
        return [(self[f"name_{i}"], self[f"min_spend_{i}"]) for i in range(self.ROWS)]

    def clean(self):
        data = super().clean()
        for index in range(self.ROWS):
            named = (data.get(f"name_{index}") or "").strip()
            if named and data.get(f"min_spend_{index}") is None:
                self.add_error(f"min_spend_{index}", _("Give the spend that reaches this level."))
        return data

    def levels(self) -> list:
        data = self.cleaned_data
        return [
            (data[f"name_{i}"].strip(), data[f"min_spend_{i}"])
            for i in range(self.ROWS)
            if (data.get(f"name_{i}") or "").strip()
        ]


class TaskForm(forms.Form):
    kind = forms.ChoiceField(label=_("What"), choices=[])
    title = forms.CharField(label=_("Task"), max_length=200)
    due_at = forms.DateTimeField(label=_("Due"), widget=IsoDateTimeInput())
    assignee = forms.TypedChoiceField(label=_("For"), coerce=int, choices=[])

    def __init__(self, *args, staff=(), **kwargs):
        from .models import TaskKind

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [c for c in TaskKind.choices if c[0] != TaskKind.HANDOVER]
        self.fields["assignee"].choices = [(m.user_id, str(m.user)) for m in staff if m.is_active]


class CompleteTaskForm(forms.Form):
    outcome = forms.CharField(
        label=_("How it went"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
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


class HandOverForm(forms.Form):
    from_user = forms.TypedChoiceField(label=_("Hand over the customers of"), coerce=int)
    to_users = forms.TypedMultipleChoiceField(
        label=_("To (spread evenly)"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)
    deactivate = forms.BooleanField(
        label=_("Then end their access (they are leaving)"), required=False
    )

    def __init__(self, *args, portfolio=(), can_deactivate=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_user"].choices = [
            (m.user_id, _("%(name)s (%(n)s customers)") % {"name": m.user, "n": n})
            for m, n in portfolio
            if n
        ]
        self.fields["to_users"].choices = [
            (m.user_id, _("%(name)s (%(n)s customers)") % {"name": m.user, "n": n})
            for m, n in portfolio
        ]
        if not can_deactivate:
            del self.fields["deactivate"]


class RiskFlagForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=[])
    note = forms.CharField(label=_("What happened"), max_length=300)

    def __init__(self, *args, **kwargs):
        from .models import RiskReason

        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = RiskReason.choices


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
    satisfaction = CompleteTaskForm.base_fields["satisfaction"]
    no_score_reason = CompleteTaskForm.base_fields["no_score_reason"]

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
        from .models import ArticleKind, TaskKind, TicketCategory

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = ArticleKind.choices
        self.fields["topic"].choices = (
            [("", _("Everything"))]
            + [
                (value, _("Complaints: %(c)s") % {"c": label})
                for value, label in TicketCategory.choices
            ]
            + [(value, _("Tasks: %(t)s") % {"t": label}) for value, label in TaskKind.choices]
        )


class CommitmentForm(forms.Form):
    what = forms.CharField(label=_("What was promised"), max_length=200)
    due_on = forms.DateField(label=_("By"), widget=IsoDateInput())
    promised_by = forms.TypedChoiceField(label=_("Promised by"), coerce=int, choices=[])

    def __init__(self, *args, staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["promised_by"].choices = [
            (m.user_id, str(m.user)) for m in staff if m.is_active
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


class EventForm(forms.Form):
    theme = forms.CharField(label=_("Theme"), max_length=120)
    starts_at = forms.DateTimeField(label=_("When"), widget=IsoDateTimeInput())
    place = forms.CharField(label=_("Where"), max_length=200)
    segment = forms.TypedChoiceField(label=_("Invite the segment"), coerce=int, choices=[])
    gift = forms.CharField(label=_("Gift for those who come"), max_length=120, required=False)
    description = forms.CharField(
        label=_("Details"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, segments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["segment"].choices = [(s.pk, s.name) for s in segments]


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


class EvaluationForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), required=False, choices=[])
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, indicators=(), **kwargs):
        from .models import Decision

        super().__init__(*args, **kwargs)
        for index, (name, weight) in enumerate(indicators):
            self.fields[f"score_{index}"] = forms.TypedChoiceField(
                label=_("%(name)s (weight %(w)s)") % {"name": name, "w": weight},
                coerce=int,
                choices=[(n, str(n)) for n in range(5, 0, -1)],
                initial=3,
            )
        self.fields["decision"].choices = [("", _("as the grade suggests"))] + list(
            Decision.choices
        )
        self.fields["decision"].label = _("Decision")
        self.names = [name for name, _weight in indicators]
        self.order_fields([*(f"score_{i}" for i in range(len(self.names))), "decision", "note"])

    def scores(self) -> dict:
        return {name: self.cleaned_data[f"score_{i}"] for i, name in enumerate(self.names)}


class PlanForm(forms.Form):
    methods = forms.CharField(label=_("Methods (visits, calls, offers…)"), max_length=300)
    measures = forms.CharField(label=_("Measures"), widget=forms.Textarea(attrs={"rows": 3}))
    owner = forms.TypedChoiceField(label=_("Carried out by"), coerce=int, choices=[])
    cost = forms.DecimalField(label=_("Budget (¥)"), min_value=0, max_digits=9, decimal_places=2)

    def __init__(self, *args, staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [(m.user_id, str(m.user)) for m in staff if m.is_active]


class IndicatorsForm(forms.Form):
    ROWS = 10

    def __init__(self, *args, indicators=(), **kwargs):
        super().__init__(*args, **kwargs)
        rows = list(indicators)
        for index in range(self.ROWS):
            name, weight = rows[index] if index < len(rows) else ("", None)
            self.fields[f"name_{index}"] = forms.CharField(
                label=_("Indicator"), max_length=40, required=False, initial=name
            )
            self.fields[f"weight_{index}"] = forms.IntegerField(
                label=_("Weight"), min_value=1, max_value=100, required=False, initial=weight
            )

    def rows(self):
        return [(self[f"name_{i}"], self[f"weight_{i}"]) for i in range(self.ROWS)]

    def indicators(self) -> list:
        data = self.cleaned_data
        return [
            (data[f"name_{i}"], data[f"weight_{i}"])
            for i in range(self.ROWS)
            if (data.get(f"name_{i}") or "").strip()
        ]


class SegmentPlanForm(PlanForm):
    segment = forms.TypedChoiceField(label=_("For the segment"), coerce=int, choices=[])

    def __init__(self, *args, segments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["segment"].choices = [(s.pk, s.name) for s in segments]
        self.order_fields(["segment", "methods", "measures", "owner", "cost"])


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
