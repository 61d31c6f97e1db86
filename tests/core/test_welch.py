"""Welch's interval: Student's t quantiles from printed tables and the Welch–Satterthwaite df."""

import math

import pytest

from regulars.core.welch import t_quantile, welch_interval


@pytest.mark.parametrize(
    ("df", "expected"),
    [(1, 12.7062), (2, 4.3027), (5, 2.5706), (10, 2.2281), (30, 2.0423), (math.inf, 1.9600)],
)
def test_the_95_percent_t_quantile_matches_the_printed_table(df, expected):
    assert t_quantile(0.95, df) == pytest.approx(expected, abs=1e-4)


def test_the_interval_uses_welch_satterthwaite_degrees_of_freedom():
    # Means 20.0 and 22.5; sample variances 6.67 and 10.57 over 10 and 8 observations.
    first = [16, 17, 18, 19, 20, 20, 21, 22, 23, 24]
    second = [18, 19, 21, 22, 23, 24, 25, 28]
    found = welch_interval(first, second)
    variance_1, variance_2 = 6.6666667 / 10, 10.571429 / 8
    expected_df = (variance_1 + variance_2) ** 2 / (variance_1**2 / 9 + variance_2**2 / 7)
    assert found.degrees_of_freedom == pytest.approx(expected_df, rel=1e-5)
    assert found.difference == pytest.approx(-2.5)
    margin = t_quantile(0.95, expected_df) * math.sqrt(variance_1 + variance_2)
    assert (found.low, found.high) == pytest.approx((-2.5 - margin, -2.5 + margin), rel=1e-5)
    # Wider than the normal approximation would claim.
    assert margin > 1.96 * math.sqrt(variance_1 + variance_2)


def test_groups_without_spread_give_a_point():
    found = welch_interval([3, 3, 3], [1])
    assert (found.difference, found.low, found.high) == (2, 2, 2)
