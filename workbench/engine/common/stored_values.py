"""Type tests for values read back from a file's JSON.

JSON's ``true`` is a Python ``int`` and its ``NaN`` a ``float``, so ``isinstance`` alone lets a
flag pass for a count and NaN for a learning rate; every check of a stored value uses these.
"""

from __future__ import annotations

import math


def is_whole(value, least: int = 0, most: int | None = None) -> bool:
    """A whole number (not a flag) from ``least`` to ``most`` (no limit when None)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= least and (most is None or value <= most)


def is_finite_number(value) -> bool:
    """A whole or real number (not a flag), neither NaN nor infinite."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
