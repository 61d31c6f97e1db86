import html
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


def _same_shape(markup: str, name: str) -> str:
    """The markup with whitespace and the field's name evened out, and character references
    read (Django's template engine writes &quot; where its Jinja2 renderer writes &#34;)."""
    shape = re.sub(r"\s+", " ", markup.replace("\n", "")).replace("> <", "><").replace(name, "N")
    return html.unescape(shape)


@pytest.mark.parametrize("value", ["", "c", "z", '"><script>'])
def test_quick_select_writes_what_django_writes(value):
    """The hot pages' selects skip Django's per-option templates but not its markup."""
    form = Both({"django": value, "quick": value})
    django_html = _same_shape(str(form["django"]), "django")
    quick_html = _same_shape(str(form["quick"]), "quick").replace(' class="pick"', "")
    assert quick_html == django_html
    assert "<script>" not in str(form["quick"])
    assert 'class="pick"' in str(form["quick"])


def test_quick_select_marks_a_typed_initial_value():
    assert '<option value="5" selected>five</option>' in str(Both()["number"])
