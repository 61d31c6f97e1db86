from hypothesis import given
from hypothesis import strategies as st

from regulars.core import codes
from regulars.core.templatetags.regulars import grouped


def test_new_codes_are_well_formed_and_not_sequential():
    drawn = [codes.new_code() for _ in range(200)]
    assert all(codes.is_well_formed(code) for code in drawn)
    assert len(set(drawn)) == 200


@given(
    st.integers(min_value=0, max_value=10**11 - 1),
    st.integers(min_value=0, max_value=10),
    st.integers(1, 9),
)
def test_any_single_mistyped_digit_is_caught(body, position, change):
    code = f"{body:011d}"
    code += codes.luhn_check_digit(code)
    position = position % 12
    typo = code[:position] + str((int(code[position]) + change) % 10) + code[position + 1 :]
    assert not codes.is_well_formed(typo)


def test_codes_read_aloud_in_groups_of_four_however_they_were_typed():
    assert codes.normalize_code(" 1234-5678 9012 ") == "123456789012"
    assert grouped("123456789012") == grouped("1234 5678 9012") == "1234 5678 9012"
