"""Positions, distances and the grid index used for nearby search.

Why a grid of our own: the nearby search must use an index on SQLite as well as PostgreSQL, and
neither ships a spatial index Django can use everywhere. Each store keeps the number of the grid
cell it lies in: rows of fixed latitude height, columns of fixed longitude width, numbered
row-major, so the cells of one row are consecutive numbers and the cells a circle covers are one
number *range* per row. A composite B-tree index on (category, cell, lat, lng, id) then answers
"stores of this category in these ranges" with one index range scan per row that never touches
the table, and the database orders the candidates by an equirectangular distance (plain
arithmetic, within 0.2 % of the great circle at city scale).

Two grid sizes exist: the fine grid (0.001°, about 110 m) for everyday radii, and the coarse grid
(0.01°, about 1.1 km) so that a wide radius still needs no more than a few dozen ranges.
"""

import math
from dataclasses import dataclass

from django.utils.translation import gettext as _

from regulars.core.errors import Problem

from .errors import DomainError

# One earth model everywhere: a sphere of the mean radius. Every box, filter, distance and sort
# derives from it, so a store 1,998.5 m away (haversine) is inside a 2 km search.
EARTH_RADIUS_M = 6_371_008.8
METERS_PER_DEGREE_LAT = EARTH_RADIUS_M * math.pi / 180  # 111,195.08 m
MAX_RADIUS_M = 50_000
FINE_STEP = 0.001
COARSE_STEP = 0.01
COLUMNS_PER_ROW = 1_000_000  # more than 360 / FINE_STEP, so rows never overlap
FINE_MAX_RADIUS_M = 3_000


@dataclass(frozen=True)
class GridLevel:
    step: float

    def row(self, lat: float) -> int:
        return int(math.floor((lat + 90.0) / self.step))

    def col(self, lng: float) -> int:
        return int(math.floor((lng + 180.0) / self.step))

    def cell(self, lat: float, lng: float) -> int:
        return self.row(lat) * COLUMNS_PER_ROW + self.col(lng)

    def covering_ranges(self, lat: float, lng: float, radius_m: float) -> list[tuple[int, int]]:
        """Inclusive cell-number ranges, one per grid row, that cover the circle."""
        dlat = radius_m / METERS_PER_DEGREE_LAT
        cos_lat = max(math.cos(math.radians(lat)), 1e-6)
        ranges = []
        for row in range(self.row(lat - dlat), self.row(lat + dlat) + 1):
            band_south = row * self.step - 90.0
            band_north = band_south + self.step
            # The circle is widest in this band at the latitude nearest its centre.
            nearest = min(max(lat, band_south), band_north)
            half_chord_deg = math.sqrt(max(dlat * dlat - (nearest - lat) ** 2, 0.0))
            dlng = half_chord_deg / cos_lat
            first = row * COLUMNS_PER_ROW + self.col(lng - dlng)
            last = row * COLUMNS_PER_ROW + self.col(lng + dlng)
            ranges.append((first, last))
        return ranges


FINE = GridLevel(FINE_STEP)
COARSE = GridLevel(COARSE_STEP)


def level_for_radius(radius_m: float) -> tuple[str, GridLevel]:
    """The grid whose cells keep the number of ranges small for this radius."""
    if radius_m <= FINE_MAX_RADIUS_M:
        return "geocell", FINE
    return "geocell_coarse", COARSE


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def validate_position(lat: float, lng: float) -> None:
    """A position on Earth, or a refusal naming the coordinate that is not."""
    if not -90.0 <= lat <= 90.0:
        raise DomainError(
            _("Latitude is between -90 and 90."), field="lat", code=Problem.BAD_POSITION
        )
    if not -180.0 <= lng <= 180.0:
        raise DomainError(
            _("Longitude is between -180 and 180."), field="lng", code=Problem.BAD_POSITION
        )
