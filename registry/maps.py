"""A map of camps drawn here, as SVG, with no tiles, no CDN and no JavaScript.

The outline of Kazakhstan is a hand-simplified polygon of a few dozen points (lon, lat) taken
from its border — good enough to see where ALZHIR, Karlag and Steplag lay, not a survey.
Places outside it (Siblag, Dallag) are drawn on the same projection, and every point on the
map is also in the plain list under it. Pure: no Django imports.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Simplified border of today's Kazakhstan, clockwise from the Volga delta (lon, lat).
KAZAKHSTAN = (
    (46.7, 48.5), (47.1, 49.2), (46.8, 49.9), (47.6, 50.4), (48.7, 50.6), (50.1, 51.3),
    (51.4, 51.5), (52.4, 51.8), (54.6, 51.0), (55.7, 50.6), (57.3, 51.1), (58.6, 51.0),
    (59.9, 50.6), (61.4, 50.8), (61.0, 52.0), (60.8, 52.5), (61.8, 53.0), (61.2, 53.9),
    (62.9, 54.1), (65.2, 54.6), (68.2, 55.0), (69.1, 55.4), (70.8, 55.3), (71.7, 54.7),
    (73.4, 54.0), (73.7, 53.5), (74.9, 53.8), (76.5, 54.2), (77.9, 53.3), (80.0, 50.9),
    (83.4, 51.0), (85.1, 50.1), (86.9, 49.8), (87.3, 49.1), (85.6, 48.2), (85.5, 47.0),
    (83.0, 47.2), (82.3, 45.5), (80.0, 45.0), (80.2, 42.9), (78.9, 42.8), (75.0, 42.9),
    (73.5, 42.5), (71.0, 42.3), (70.9, 42.0), (69.0, 41.4), (68.5, 40.7), (66.6, 41.2),
    (66.0, 42.9), (64.9, 43.7), (62.0, 43.5), (61.0, 44.4), (58.6, 45.6), (56.0, 45.0),
    (56.0, 41.3), (54.8, 41.5), (53.0, 42.1), (52.7, 42.8), (51.3, 43.2), (50.3, 44.4),
    (51.3, 45.2), (53.1, 45.3), (53.1, 46.8), (51.2, 47.1), (49.2, 46.4), (48.6, 46.8),
    (48.0, 47.8),
)


@dataclass(frozen=True)
class Projection:
    """Equirectangular, scaled by the cosine of the middle latitude so shapes are not
    stretched east–west; fits the box ``west..east`` × ``south..north`` into ``width``."""

    west: float
    east: float
    south: float
    north: float
    width: float = 800.0

    @property
    def scale(self) -> float:
        middle = math.radians((self.south + self.north) / 2)
        return self.width / ((self.east - self.west) * math.cos(middle))

    @property
    def height(self) -> float:
        return round((self.north - self.south) * self.scale, 1)

    def point(self, lon: float, lat: float) -> tuple[float, float]:
        middle = math.radians((self.south + self.north) / 2)
        x = (lon - self.west) * math.cos(middle) * self.scale
        y = (self.north - lat) * self.scale
        return round(x, 1), round(y, 1)

    def path(self, points) -> str:
        """An SVG path ``d`` for a closed polygon."""
        xy = [self.point(lon, lat) for lon, lat in points]
        return "M" + " L".join(f"{x},{y}" for x, y in xy) + " Z"


def fit(points, margin: float = 3.0) -> Projection:
    """A projection that holds Kazakhstan and every (lon, lat) in ``points``."""
    lons = [lon for lon, _ in (*KAZAKHSTAN, *points)]
    lats = [lat for _, lat in (*KAZAKHSTAN, *points)]
    return Projection(west=min(lons) - margin, east=max(lons) + margin,
                      south=min(lats) - margin, north=max(lats) + margin)
