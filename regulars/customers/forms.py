from django import forms
from django.utils.translation import gettext_lazy as _

from regulars.core.forms import IsoDateInput, QuickSelect

from .behaviour import LOYALTY_QUADRANTS, VALUE_QUADRANTS
from .imports import FIELD_LABELS
from .models import RfmSegment, Source


class SearchForm(forms.Form):
    """The directory's criteria. Its ten selects are written out in Python (QuickSelect):
    through the widget templates they were a quarter of the directory page."""

    q = forms.CharField(label=_("Name, phone or note"), required=False)
    tag = forms.ChoiceField(widget=QuickSelect, label=_("Tag"), choices=[], required=False)
    source = forms.ChoiceField(
        widget=QuickSelect,
        label=_("Came from"),
        choices=[("", "—"), *Source.choices],
        required=False,
    )
    min_spend = forms.DecimalField(label=_("Spent at least (¥)"), min_value=0, required=False)
    min_visits = forms.IntegerField(label=_("Visits at least"), min_value=0, required=False)
    seen_after = forms.DateField(label=_("Last visit from"), required=False, widget=IsoDateInput())
    seen_before = forms.DateField(
        label=_("Last visit until"), required=False, widget=IsoDateInput()
    )
    manager = forms.TypedChoiceField(
        widget=QuickSelect,
        label=_("Account manager"),
        coerce=int,
        choices=[],
        required=False,
        empty_value=None,
    )
    silent_days = forms.IntegerField(
        label=_("No visit for at least (days)"), min_value=0, required=False
    )
    tier = forms.TypedChoiceField(
        widget=QuickSelect,
        label=_("Card tier"),
        coerce=int,
        choices=[],
        required=False,
        empty_value=None,
    )
    rfm_segment = forms.ChoiceField(
        widget=QuickSelect,
        label=_("RFM segment"),
        choices=[("", "—"), *RfmSegment.choices],
        required=False,
    )
    churn_risk = forms.NullBooleanField(
        label=_("Slipping away"),
        required=False,
        widget=QuickSelect(choices=[("", "—"), ("true", _("yes")), ("false", _("no"))]),
    )
    value_level = forms.TypedChoiceField(
        widget=QuickSelect,
        label=_("Value level"),
        coerce=int,
        choices=[],
        required=False,
        empty_value=None,
    )
    quadrant = forms.ChoiceField(
        widget=QuickSelect, label=_("Matrix cell"), choices=[], required=False
    )
    at_risk = forms.NullBooleanField(
        label=_("On the risk list"),
        required=False,
        widget=QuickSelect(choices=[("", "—"), ("true", _("yes")), ("false", _("no"))]),
    )
    sort = forms.ChoiceField(
        widget=QuickSelect,
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


class RiskFlagForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=[])
    note = forms.CharField(label=_("What happened"), max_length=300)

    def __init__(self, *args, **kwargs):
        from .models import RiskReason

        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = RiskReason.choices


class WelcomeGiftForm(forms.Form):
    campaign_id = forms.TypedChoiceField(
        label=_("Coupon"), coerce=int, required=False, empty_value=None
    )
    points = forms.IntegerField(label=_("Points"), min_value=0, max_value=100_000, initial=0)
    punch_plan_id = forms.TypedChoiceField(
        label=_("Punch card"), coerce=int, required=False, empty_value=None
    )
    is_active = forms.BooleanField(label=_("Give it"), required=False)

    def __init__(self, *args, campaigns=(), plans=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign_id"].choices = [("", "—")] + [(c.pk, c.name) for c in campaigns]
        self.fields["punch_plan_id"].choices = [("", "—")] + [(p.pk, p.name) for p in plans]
