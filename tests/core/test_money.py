"""Amounts as people read them."""


def test_amounts_put_the_sign_before_the_currency():
    from regulars.core.templatetags.regulars import yuan

    assert [yuan(v) for v in (-19.03, 19.03, 0, "-0.005", None)] == [
        "-¥19.03",
        "¥19.03",
        "¥0.00",
        "-¥0.01",
        "",
    ]
