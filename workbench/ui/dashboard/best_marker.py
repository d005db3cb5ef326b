"""The kept best weights on the loss plot: a star at their validation's (step, loss), labelled
"best (step N)", in the plot's units and scale like the validation curve it sits on.

The loss is the one the best weights were compared by (``best_weights``): where validations are
quick, the quick sample's, so a whole validation that became the best is marked at its score on
the quick sample, a little off its own dot.
"""

from __future__ import annotations

import math

import pyqtgraph as pg

from .. import theme
from .curves import DisplayOptions

STAR_COLOUR = "#f4b400"  # gold, on every run colour of Tableau 10
STAR_SIZE = 18  # px


class BestMarker:
    def __init__(self, plot: pg.PlotItem) -> None:
        self.plot = plot
        self.best: tuple[int, float] | None = None  # (step, validation loss in nats); None: none kept
        self.run_shown = True  # the current run's curves are shown: the marker belongs to them
        self.target = pg.TargetItem(
            size=STAR_SIZE,
            symbol="star",
            pen=pg.mkPen(theme.TEXT, width=1),
            hoverPen=pg.mkPen(theme.TEXT, width=1),
            brush=STAR_COLOUR,
            hoverBrush=STAR_COLOUR,
            movable=False,
            label="best",  # its step comes with the best (an empty label would make no label item)
            # Down and to the left: a run's best is often its last validation, at the plot's right
            # edge, and the lowest validation, below the curves that come down to it.
            labelOpts={"color": theme.TEXT, "offset": (-6, 8), "anchor": (1, 0)},
        )
        self.target.setZValue(30)  # above the curves and the baseline's line

    def show(self, best: tuple[int, float] | None, options: DisplayOptions) -> None:
        """Mark the kept best (step, loss in nats), or nothing when ``best`` is None."""
        self.best = best
        self.rescale(options)

    def follow_run(self, shown: bool) -> None:
        """The current run was shown or hidden: its best with it."""
        self.run_shown = shown
        self.target.setVisible(shown)

    def rescale(self, options: DisplayOptions) -> None:
        """Follow the plot's units (nats or bits) and its log scale."""
        drawn = self.best is not None and math.isfinite(self.best[1]) and (self.best[1] > 0 or not options.log_loss)
        if self.target.scene() is not None and not drawn:
            self.plot.removeItem(self.target)
        if not drawn:
            return
        step, nats = self.best
        value = nats * options.loss_scale
        self.target.setPos(step, math.log10(value) if options.log_loss else value)
        self.target.label().setFormat(f"best (step {step:,})")
        self.target.setToolTip(
            f"The best weights kept: step {step:,}, validation loss {value:.3f} {options.loss_units}"
        )
        self.target.setVisible(self.run_shown)
        if self.target.scene() is None:
            self.plot.addItem(self.target, ignoreBounds=True)

    @property
    def position(self) -> tuple[float, float] | None:
        """Where the star is drawn, in the plot's coordinates (decades on a log axis); None: not drawn."""
        if self.target.scene() is None:
            return None
        point = self.target.pos()
        return float(point.x()), float(point.y())

    @property
    def text(self) -> str:
        return self.target.label().toPlainText() if self.target.scene() is not None else ""
