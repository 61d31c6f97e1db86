"""Welch's t interval for a difference of two means with unequal variances.

The standard library has the normal distribution but not Student's t, and the campaign uplift
compares groups small enough (a holdout of a dozen people) for the difference to matter: with 5
degrees of freedom the 95 % multiplier is 2.571, not 1.96. The t quantile comes from the
regularised incomplete beta function (continued fraction, modified Lentz), solved by bisection;
scipy would do the same at 40 MB.
"""

import math
import statistics
from dataclasses import dataclass


def _beta_fraction(a: float, b: float, x: float) -> float:
    tiny, front = 1e-300, 1.0
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 300):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            front = c * d
            result *= front
        if abs(front - 1.0) < 1e-14:
            break
    return result


def incomplete_beta(a: float, b: float, x: float) -> float:
    """I_x(a, b), the regularised incomplete beta function."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _beta_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _beta_fraction(b, a, 1.0 - x) / b


def two_sided_p(t: float, df: float) -> float:
    """P(|T| > t) for Student's t with df degrees of freedom."""
    return incomplete_beta(df / 2.0, 0.5, df / (df + t * t))


def t_quantile(confidence: float, df: float) -> float:
    """The t with P(|T| ≤ t) = confidence (e.g. 0.95 → 2.571 at 5 degrees of freedom)."""
    if math.isinf(df) or df > 1e7:
        return statistics.NormalDist().inv_cdf(0.5 + confidence / 2.0)
    low, high = 0.0, 1.0
    while two_sided_p(high, df) > 1.0 - confidence:
        high *= 2.0
    for _ in range(200):
        middle = (low + high) / 2.0
        if two_sided_p(middle, df) > 1.0 - confidence:
            low = middle
        else:
            high = middle
    return (low + high) / 2.0


@dataclass(frozen=True)
class Interval:
    difference: float
    low: float
    high: float
    degrees_of_freedom: float


def welch_interval(first: list[float], second: list[float], confidence: float = 0.95) -> Interval:
    """mean(first) − mean(second) with Welch's standard error and the Welch–Satterthwaite
    degrees of freedom. Groups of one have no variance to estimate: their variance counts as 0
    and the degrees of freedom fall back to the other group's."""
    difference = statistics.fmean(first) - statistics.fmean(second)
    share_1 = statistics.variance(first) / len(first) if len(first) > 1 else 0.0
    share_2 = statistics.variance(second) / len(second) if len(second) > 1 else 0.0
    error_squared = share_1 + share_2
    if error_squared == 0.0:
        return Interval(difference, difference, difference, math.inf)
    denominator = (share_1**2 / (len(first) - 1) if len(first) > 1 else 0.0) + (
        share_2**2 / (len(second) - 1) if len(second) > 1 else 0.0
    )
    df = error_squared**2 / denominator
    margin = t_quantile(confidence, df) * math.sqrt(error_squared)
    return Interval(difference, difference - margin, difference + margin, df)
