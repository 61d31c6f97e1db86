from django import forms
from django.utils.translation import gettext_lazy as _

from regulars.core.forms import IsoDateInput, IsoDateTimeInput
from regulars.servicedesk.forms import CallResultForm


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


class CompleteTaskForm(CallResultForm):
    """What came of a task; for the follow-up call after a complaint, the call's result too."""

    outcome = forms.CharField(
        label=_("How it went"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    field_order = ["outcome", "satisfaction", "no_score_reason"]


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


class CommitmentForm(forms.Form):
    what = forms.CharField(label=_("What was promised"), max_length=200)
    due_on = forms.DateField(label=_("By"), widget=IsoDateInput())
    promised_by = forms.TypedChoiceField(label=_("Promised by"), coerce=int, choices=[])

    def __init__(self, *args, staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["promised_by"].choices = [
            (m.user_id, str(m.user)) for m in staff if m.is_active
        ]


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
