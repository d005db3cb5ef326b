"""Which weights the window's model answers with: the best (after the lowest validation loss so
far, kept beside the latest) or the latest (after the last step trained).

One choice for the whole window: samples, the Results tab's outputs and the Handwriting tab all
use it. A ``WeightsCombo`` shows it in the Samples panel and another in the Handwriting tab; the
``WeightsChoice`` keeps them in step, so choosing in one changes both.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QComboBox, QWidget

WEIGHTS = ("best", "latest")
WEIGHTS_TIP = (
    "The weights that write when you press Sample, answer in the Results tab and write in the Handwriting "
    "tab (samples written during training are by the weights of their step). Best: those after the lowest "
    "validation loss so far, kept beside the latest (the latest until a validation keeps some). Latest: "
    "those after the last step trained."
)

COMBO_CHROME = 40  # px of a combo box beside its text: frame, padding and the arrow
Best = tuple[int, float] | None  # the kept best's (step, validation loss), as ProjectSnapshot.best


def weights_label(weights: str, best: Best) -> str:
    """ "Best (step 1,200)", "Best (none yet: latest)" or "Latest"."""
    if weights == "latest":
        return "Latest"
    return "Best (none yet: latest)" if best is None else f"Best (step {best[0]:,})"


class WeightsCombo(QComboBox):
    """Best or latest weights: a view of the window's ``WeightsChoice``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        for weights in WEIGHTS:
            self.addItem(weights_label(weights, None), weights)
        self.setToolTip(WEIGHTS_TIP)
        # As wide as its longest text from the start: a new best's step repaints it, never relays out its row.
        metrics = self.fontMetrics()
        widest = max(metrics.horizontalAdvance(weights_label("best", best)) for best in (None, (1_000_000, 0.0)))
        self.setMinimumWidth(widest + COMBO_CHROME)

    @property
    def weights(self) -> str:
        return self.currentData()

    def show_choice(self, weights: str, best: Best) -> None:
        """Show ``weights`` chosen, the best item naming its step (without emitting ``activated``)."""
        for index, item in enumerate(WEIGHTS):
            self.setItemText(index, weights_label(item, best))
        self.setCurrentIndex(WEIGHTS.index(weights))


class WeightsChoice(QObject):
    """The window's one choice of weights (best by default) and the kept best it names."""

    def __init__(self, combos: list[WeightsCombo], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._weights, self._best = "best", None
        self._combos = list(combos)
        for combo in self._combos:
            combo.activated.connect(lambda _index, combo=combo: self.choose(combo.weights))
        self._show()

    @property
    def weights(self) -> str:
        """What a request asks the worker for: "best" (the latest while none is kept) or "latest"."""
        return self._weights

    @property
    def best(self) -> Best:
        return self._best

    def choose(self, weights: str) -> None:
        if weights not in WEIGHTS:
            raise ValueError(f"the weights are 'best' or 'latest', not {weights!r}")
        self._weights = weights
        self._show()

    def show_best(self, best: Best) -> None:
        """The project's kept best now (its step and validation loss), or None: none is kept."""
        self._best = None if best is None else (int(best[0]), float(best[1]))
        self._show()

    def _show(self) -> None:
        for combo in self._combos:
            combo.show_choice(self._weights, self._best)
