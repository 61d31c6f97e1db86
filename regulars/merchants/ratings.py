"""How a store's stars become one sortable score.

A plain average lets one 5-star review outrank 300 reviews at 4.8. The score is a Bayesian
average: the store's reviews plus PRIOR_WEIGHT imaginary reviews at the city's typical rating,
so a store needs many good reviews to climb, and its score approaches its own average as
reviews accumulate.
"""

PRIOR_MEAN = 4.0
PRIOR_WEIGHT = 20


def shrunk_rating(average: float, count: int) -> float:
    if count <= 0:
        return 0.0
    return round((PRIOR_MEAN * PRIOR_WEIGHT + float(average) * count) / (PRIOR_WEIGHT + count), 4)
