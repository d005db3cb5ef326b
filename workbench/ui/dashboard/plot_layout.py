"""The dashboard's five plots in their grid: titles, axes and scales, and zooms that every plot follows."""

from __future__ import annotations

from functools import partial

import numpy as np
import pyqtgraph as pg

from .. import theme
from ..plot_grid import grid_axes
from . import style
from .curves import DashboardPlots


def _axes(log: bool = False) -> dict:
    left = {"left": style.SparseLogAxis("left", theme.PLOT_BACKGROUND)} if log else {}
    return grid_axes(theme.PLOT_BACKGROUND, **left)


def make_plots(grid: pg.GraphicsLayoutWidget) -> DashboardPlots:
    """The loss and per-layer plots above, the global norm, learning rate and throughput below."""
    grid.ci.setContentsMargins(6, 6, 10, 6)
    top, bottom = grid.addLayout(row=0, col=0), grid.addLayout(row=1, col=0)  # own columns each
    plots = DashboardPlots(
        loss=top.addPlot(row=0, col=0, axisItems=_axes(log=True)),
        layers=top.addPlot(row=0, col=1, axisItems=_axes(log=True)),
        grad_norm=bottom.addPlot(row=0, col=0, axisItems=_axes(log=True)),
        learning_rate=bottom.addPlot(row=0, col=1, axisItems=_axes()),
        tokens_per_s=bottom.addPlot(row=0, col=2, axisItems=_axes()),
    )
    style.style_plot(plots.loss, "Loss  —  line: train (smoothed), dots: validation", "loss")
    plots.loss.getAxis("left").enableAutoSIPrefix(False)
    style.style_plot(plots.layers, "Gradient norm per layer", "gradient norm")
    style.style_plot(plots.grad_norm, "Gradient norm, global", "gradient norm")
    style.style_plot(plots.learning_rate, "Learning rate", "learning rate")
    plots.learning_rate.getAxis("left").enableAutoSIPrefix(False)
    style.style_plot(plots.tokens_per_s, "Throughput", "throughput", "tokens/s")
    for plot in (plots.layers, plots.grad_norm):
        plot.setLogMode(y=True)  # gradient norms span orders of magnitude
        plot.getAxis("left").enableAutoSIPrefix(False)  # "7·10² (×0.001)" reads as nonsense
    # A smoothed curve that is constant but for rounding would otherwise autorange to a
    # 1e-14 span, fill the plot with noise and take seconds to stroke.
    for plot, span in (
        (plots.loss, 1e-6),
        (plots.layers, 1e-6),
        (plots.grad_norm, 1e-6),
        (plots.learning_rate, 1e-12),
        (plots.tokens_per_s, 1e-3),
    ):
        plot.getViewBox().setLimits(minYRange=span)
    for plot in vars(plots).values():
        plot.sigRangeChangedManually.connect(partial(_share_steps, plots, plot))
    grid.ci.layout.setRowStretchFactor(0, 3)
    grid.ci.layout.setRowStretchFactor(1, 2)
    for row, stretches in ((top, (2, 1)), (bottom, (1, 1, 1))):
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(8)
        for column, stretch in enumerate(stretches):
            row.layout.setColumnStretchFactor(column, stretch)
    return plots


def fit_from_zero(plot: pg.PlotItem) -> None:
    """Show the values of ``plot``'s visible curves from 0 (learning rates): pyqtgraph pads a
    constant rate by ±0.5, hiding it."""
    peaks = [
        float(np.nanmax(y))
        for item in plot.listDataItems()
        if item.isVisible()
        for y in [item.getData()[1]]
        if y is not None and len(y)
    ]
    if peaks and max(peaks) > 0:
        plot.setYRange(0, 1.1 * max(peaks), padding=0)


def _share_steps(plots: DashboardPlots, source: pg.PlotItem, _mask=None) -> None:
    """A zoom or pan by the user shows the same steps in every plot; "auto" frees them all.

    Not ``setXLink``: it aligns linked views by their position on screen, which shifts the
    steps of plots that sit side by side.
    """
    follow_data = source.getViewBox().autoRangeEnabled()[0]
    steps = source.getViewBox().viewRange()[0]
    for plot in vars(plots).values():
        if plot is source:
            continue
        if follow_data:
            plot.enableAutoRange(x=True)
        else:
            plot.setXRange(*steps, padding=0)
