"""The Results tab's colours: white-to-dark ramps for shares and weights, and the tag palette."""

from __future__ import annotations

import math

ERROR = "#c5221f"
MUTED = "#5f6368"
# ColorBrewer's sequential Blues and Reds, white to dark: lighter is less.
BLUES = ("#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b")
REDS = ("#fff5f0", "#fee0d2", "#fcbba1", "#fc9272", "#fb6a4a", "#ef3b2c", "#cb181d", "#a50f15", "#67000d")
ATTENTION = BLUES  # attention weights: the darker, the more weight
WHITE_TEXT_ABOVE = 0.55  # strength beyond which text on a shaded background turns white to stay readable

# Light backgrounds under black text, in an order where neighbours differ (tab20's light half, then Set3).
TAG_COLORS = (
    "#aec7e8",
    "#ffbb78",
    "#98df8a",
    "#ff9896",
    "#c5b0d5",
    "#c49c94",
    "#f7b6d2",
    "#dbdb8d",
    "#9edae5",
    "#c7c7c7",
    "#ccebc5",
    "#ffed6f",
)


def rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def shade(strength: float, ramp: tuple[str, ...]) -> str:
    """'#rrggbb' along ``ramp``: its first colour at strength 0 (or NaN), its last at 1 and above."""
    t = 0.0 if math.isnan(strength) else min(max(strength, 0.0), 1.0) * (len(ramp) - 1)
    low = min(int(t), len(ramp) - 2)
    start, end, part = rgb(ramp[low]), rgb(ramp[low + 1]), t - low
    return "#{:02x}{:02x}{:02x}".format(*(round(a + (b - a) * part) for a, b in zip(start, end)))


def text_on(strength: float) -> str:
    """Black text on light shades, white on dark ones."""
    return "#ffffff" if strength > WHITE_TEXT_ABOVE else "#000000"


def tag_color(index: int) -> str:
    return TAG_COLORS[index % len(TAG_COLORS)]
