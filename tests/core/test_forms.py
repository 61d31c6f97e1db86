import re

import pytest
from django import forms

from regulars.core.forms import QuickSelect

CHOICES = [
    ("", 'Any <one> & "all"'),
    ("Top", [("t", "T&T"), ("c", "C'est")]),
    ("z", "Z"),
    (5, "five"),
]


class Both(forms.Form):
    django = forms.ChoiceField(choices=CHOICES, required=False)
    quick = forms.ChoiceField(
        choices=CHOICES, required=False, widget=QuickSelect(attrs={"class": "pick"})
    )
    number = forms.TypedChoiceField(
        choices=CHOICES, coerce=int, required=False, initial=5, widget=QuickSelect
    )


def _same_shape(html: str, name: str) -> str:
    return re.sub(r"\s+", " ", html.replace("\n", "")).replace("> <", "><").replace(name, "N")


@pytest.mark.parametrize("value", ["", "c", "z", '"><script>'])
def test_quick_select_writes_what_django_writes(value):
    """The hot pages' selects skip Django's per-option templates but not its markup."""
    form = Both({"django": value, "quick": value})
    django_html = _same_shape(str(form["django"]), "django")
    quick_html = _same_shape(str(form["quick"]), "quick").replace(' class="pick"', "")
    assert quick_html == django_html
    assert "<script>" not in quick_html
    assert 'class="pick"' in str(form["quick"])


def test_quick_select_marks_a_typed_initial_value():
    assert '<option value="5" selected>five</option>' in str(Both()["number"])
