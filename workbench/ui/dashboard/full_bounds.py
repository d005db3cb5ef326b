"""A curve whose place in the plot's auto-range is all its data, not the points it draws.

pyqtgraph reduces a long curve to what the pixels can show (``setDownsampling(auto=True)``),
with a factor it picks from the view's range: points per pixel column. Its own bounds are those
of the points it keeps, and they set the view's range: peak downsampling by 4 starts at the
third point, by 3 at the second. With the factor just under a whole number the two fed each
other: by 4 the range narrowed (the curve began a point later), which made the factor 3, which
widened it again, and so on, a new range and a paint of the plot each time, with no new data,
for as long as the factor stayed there: in the window, nine paints a shot and training at 0.89×
its bare loop (issue 23; ``tests/ui/test_dashboard_paints.py``). The bounds of all the data do
not depend on the range, so the range settles at once.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg


class FullBoundsCurve(pg.PlotDataItem):
    def dataBounds(self, ax: int, frac: float = 1.0, orthoRange=None):  # noqa: N802, N803 (pyqtgraph's names)
        """The extent of all the data along ``ax`` (in view coordinates: decades on a log axis)
        while the view follows the data; pyqtgraph's own (of the points drawn) once the user zooms
        into the steps (the values then fit the steps shown) or asks for a share of the data."""
        view = self.getViewBox()
        if frac != 1.0 or orthoRange is not None or (view is not None and not view.autoRangeEnabled()[0]):
            return super().dataBounds(ax, frac, orthoRange)
        values = self.getOriginalDataset()[ax]
        if values is None or not len(values):
            return None, None
        values = np.asarray(values, dtype=float)
        if self.opts["logMode"][ax]:
            with np.errstate(divide="ignore", invalid="ignore"):
                values = np.log10(values)
        values = values[np.isfinite(values)]
        if not len(values):
            return None, None
        return float(values.min()), float(values.max())
