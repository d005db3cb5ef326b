"""The Handwriting tab: write a line on the pad, and let the model write (Graves 2013, sections 4-5).

A plain view. It emits requests (``write_requested``, ``density_requested``,
``add_to_data_requested``) that the window's ``ViewRequests`` sends to the engine's worker thread, and shows
what comes back (``show_written``, ``show_density``, ``show_error``) on the GUI thread. It never
imports torch. Predicting as the user draws is the ``DensityFollower``'s job.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSlider,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from ...engine.events import HandwritingWritten, NextPointDensity
from .. import theme
from ..weights_choice import WEIGHTS_TIP, WeightsCombo
from .animation import WrittenInkPlayer, written_summary
from .density_follower import DensityFollower
from .engine_requests import WriteRequest, copied_strokes
from .ink_export import ink_to_png, ink_to_svg
from .pad import DrawingPad
from .pad_geometry import MARGIN as PAD_MARGIN
from .written_views import WrittenHeatmaps

BIAS_STEPS = 10  # the slider counts tenths: 0 .. 3.0
MAX_BIAS = 3.0
DEFAULT_BIAS = 0.5
NO_PROJECT_HINT = "Open a handwriting project (File ▸ New from demo ▸ Handwriting) to write"
WRITE_PLACEHOLDER = "Type what the model should write"
NO_TEXT_TIP = "This model writes without text: it continues your ink"
BIAS_TIP = "Higher bias: neater, less varied writing (Graves §5.4)"
PRIMER_TEXT_MISSING = "Type what your ink says in “Text of my ink”, or untick “Prime with my ink”"
_INVALID_STYLE = f"QLineEdit {{ border: 1.5px solid {theme.ERROR}; border-radius: 3px; padding: 1px 3px; }}"


def _line_edit(placeholder: str, tip: str = "") -> QLineEdit:
    edit = QLineEdit()
    edit.setPlaceholderText(placeholder)
    edit.setToolTip(tip)
    edit.setClearButtonEnabled(True)
    return edit


class HandwritingPanel(QWidget):
    write_requested = Signal(object)  # WriteRequest
    density_requested = Signal(object)  # DensityRequest
    add_to_data_requested = Signal(object)  # (strokes, text): the user's line as a training example

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model_kind: str | None = None
        self._primer_end: np.ndarray | None = None  # last point of the primer sent with the last request
        self.pad = DrawingPad()
        self.player = WrittenInkPlayer(self.pad, parent=self)
        self.animator = self.player.animator
        self._build_controls()
        self.density = DensityFollower(self.pad, self.predict_check, self.primer_text_edit.text, parent=self)
        self._lay_out()
        self._connect()
        self.set_model_kind(None)

    # -- building ---------------------------------------------------------------------

    def _build_controls(self) -> None:
        self.pad_toolbar = QToolBar("Pad")
        self.pad_toolbar.setIconSize(QSize(16, 16))
        self.pad_toolbar.addActions(self.pad.actions_for_toolbar())
        self.primer_text_edit = _line_edit(
            "What your line says (needed to prime a synthesis model)", "The text of the line you drew on the pad"
        )
        self.predict_check = QCheckBox(
            "Predict as I draw", toolTip="Show where the model expects the pen next, and how likely it is to lift"
        )
        self.add_button = QPushButton(
            "Add to my handwriting", toolTip="Keep this line and its text as a training example of your handwriting"
        )
        self.export_svg_button = QPushButton("Export SVG…", toolTip="Save your ink and what the model wrote as an SVG")
        self.export_png_button = QPushButton("Export PNG…", toolTip="Save your ink and what the model wrote as a PNG")
        self.text_edit = _line_edit(WRITE_PLACEHOLDER)
        self.bias_slider = QSlider(Qt.Orientation.Horizontal)
        self.bias_slider.setRange(0, round(MAX_BIAS * BIAS_STEPS))
        self.bias_slider.setValue(round(DEFAULT_BIAS * BIAS_STEPS))
        self.bias_slider.setPageStep(5)
        self.bias_slider.setFixedWidth(130)
        self.bias_slider.setToolTip(BIAS_TIP)
        self.bias_label = QLabel()
        self.bias_label.setToolTip(BIAS_TIP)
        self.bias_label.setMinimumWidth(self.bias_label.fontMetrics().horizontalAdvance("0.0") + 6)
        self.prime_check = QCheckBox(
            "Prime with my ink", toolTip="Write in the style of the line on the pad, continuing after it"
        )
        self.prime_check.setChecked(True)
        self.write_button = QPushButton("Write", toolTip="Let the model write (Ctrl+Return)")
        self.write_button.setDefault(True)
        self.write_button.setMinimumWidth(90)
        self.weights_combo = WeightsCombo()  # the window's one choice of weights, shown in the Samples panel too
        self._build_status()
        self.heatmaps = WrittenHeatmaps()
        self._show_bias()

    def _build_status(self) -> None:
        self.status_label = QLabel()
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.progress = QProgressBar()
        self.progress.setFixedSize(160, 10)
        self.progress.setTextVisible(False)
        self.show_all_button = QPushButton("Show all", toolTip="Skip the animation (Esc)")
        for widget in (self.progress, self.show_all_button):  # the row keeps its height when they hide
            policy = widget.sizePolicy()
            policy.setRetainSizeWhenHidden(True)
            widget.setSizePolicy(policy)

    def _lay_out(self) -> None:
        """Top to bottom as the work goes: draw, say what the ink says, type the text, write."""
        pad_bar = QHBoxLayout()
        pad_bar.addWidget(self.pad_toolbar)
        pad_bar.addSpacing(10)
        pad_bar.addWidget(self.predict_check)
        pad_bar.addStretch(1)
        pad_bar.addWidget(self.export_svg_button)
        pad_bar.addWidget(self.export_png_button)
        ink_row = QHBoxLayout()
        ink_row.addWidget(QLabel("My ink says"))
        ink_row.addWidget(self.primer_text_edit, 1)
        ink_row.addSpacing(10)
        ink_row.addWidget(self.prime_check)
        ink_row.addWidget(self.add_button)
        write_row = QHBoxLayout()
        write_row.addWidget(QLabel("Text to write"))
        write_row.addWidget(self.text_edit, 1)
        write_row.addSpacing(10)
        bias_caption = QLabel("Bias")
        bias_caption.setToolTip(BIAS_TIP)
        weights_caption = QLabel("Weights")
        weights_caption.setToolTip(WEIGHTS_TIP)
        for widget in (bias_caption, self.bias_slider, self.bias_label, weights_caption, self.weights_combo):
            write_row.addWidget(widget)
        write_row.addSpacing(6)
        write_row.addWidget(self.write_button)
        status_row = QHBoxLayout()
        status_row.addWidget(self.status_label, 1)
        status_row.addWidget(self.progress)
        status_row.addWidget(self.show_all_button)
        self.pad.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.heatmaps.setMinimumHeight(180)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 6)
        layout.setSpacing(4)
        layout.addLayout(pad_bar)
        layout.addWidget(self.pad, 3)  # at most as tall as its paper (resizeEvent); the heatmaps take the rest
        layout.addLayout(ink_row)
        layout.addLayout(write_row)
        layout.addLayout(status_row)
        layout.addWidget(self.heatmaps, 2)

    def _connect(self) -> None:
        self.bias_slider.valueChanged.connect(self._show_bias)
        self.write_button.clicked.connect(self.request_write)
        self.text_edit.returnPressed.connect(self.request_write)
        self.primer_text_edit.textChanged.connect(self._on_primer_text_changed)
        self.text_edit.textChanged.connect(self._update_controls)
        self.add_button.clicked.connect(self.request_add_to_data)
        self.export_svg_button.clicked.connect(lambda: self._export_with_dialog("SVG image (*.svg)", self.export_svg))
        self.export_png_button.clicked.connect(lambda: self._export_with_dialog("PNG image (*.png)", self.export_png))
        self.show_all_button.clicked.connect(self.skip_animation)
        self.pad.inkChanged.connect(self._update_controls)
        self.density.requested.connect(self.density_requested)
        self.animator.progressed.connect(self._on_animation_progressed)
        self.animator.finished.connect(self._on_animation_finished)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.request_write)
        self.escape_shortcut = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        self.escape_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.escape_shortcut.activated.connect(self.skip_animation)
        self.escape_shortcut.setEnabled(False)  # Escape is free for others while nothing animates

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        """Let the pad grow only as tall as its paper can be at this width; the heatmaps take the rest."""
        super().resizeEvent(event)
        width, height = self.pad.canvas_size
        margins = self.layout().contentsMargins()
        paper_width = self.width() - margins.left() - margins.right() - 2 * PAD_MARGIN
        self.pad.setMaximumHeight(max(round(paper_width * height / width) + 2 * PAD_MARGIN, self.pad.minimumHeight()))

    # -- state --------------------------------------------------------------------------

    def set_model_kind(self, kind: str | None) -> None:
        """ "synthesis" (writes given text), "prediction" (continues the ink, no text) or None (no project)."""
        if kind not in (None, "synthesis", "prediction"):
            raise ValueError(f"unknown handwriting model kind {kind!r}")
        if kind != self.model_kind:
            self.density.model_changed(kind is not None)
        self.model_kind = kind
        self.text_edit.setToolTip(NO_TEXT_TIP if kind == "prediction" else "")
        self.text_edit.setPlaceholderText(NO_TEXT_TIP if kind == "prediction" else WRITE_PLACEHOLDER)
        if kind is None:
            self.predict_check.setChecked(False)  # and with it the density goes
            self._set_status(NO_PROJECT_HINT)
        elif self.status_label.text() == NO_PROJECT_HINT:
            self._set_status("")
        self._update_controls()

    def _update_controls(self) -> None:
        has_model = self.model_kind is not None
        has_ink = not self.pad.is_empty()
        self.pad.setEnabled(has_model)
        self.pad_toolbar.setEnabled(has_model)
        self.text_edit.setEnabled(self.model_kind == "synthesis")
        self.primer_text_edit.setEnabled(has_model)
        for widget in (self.bias_slider, self.bias_label, self.write_button, self.predict_check, self.weights_combo):
            widget.setEnabled(has_model)
        self.prime_check.setEnabled(has_model and has_ink)
        self.add_button.setEnabled(has_model and has_ink and bool(self.primer_text_edit.text().strip()))
        for button in (self.export_svg_button, self.export_png_button):
            button.setEnabled(has_ink or bool(self.player.strokes))
        animating = self.animator.is_running()
        self.show_all_button.setVisible(animating)
        self.escape_shortcut.setEnabled(animating)

    @property
    def bias(self) -> float:
        return self.bias_slider.value() / BIAS_STEPS

    def _show_bias(self) -> None:
        self.bias_label.setText(f"{self.bias:.1f}")

    def _set_status(self, text: str, error: bool = False, busy: bool = False) -> None:
        self.status_label.setText(text)
        self.status_label.setStyleSheet(f"color: {theme.ERROR if error else theme.MUTED};")
        if busy:
            self.progress.setRange(0, 0)
        self.progress.setVisible(busy or self.animator.is_running())

    # -- requests -----------------------------------------------------------------------

    def request_write(self) -> None:
        """Emit ``write_requested`` with the text, bias and (if priming) the pad's ink; or say what is missing."""
        if self.model_kind is None:
            return
        text = self.text_edit.text() if self.model_kind == "synthesis" else ""
        priming = self.prime_check.isChecked() and not self.pad.is_empty()
        primer_text = self.primer_text_edit.text().strip()
        if self.model_kind == "synthesis" and not text.strip():
            self.text_edit.setFocus()
            self._set_status("Type the text the model should write first", error=True)
            return
        if self.model_kind == "synthesis" and priming and not primer_text:
            self.primer_text_edit.setStyleSheet(_INVALID_STYLE)
            self.primer_text_edit.setFocus()
            self._set_status(PRIMER_TEXT_MISSING, error=True)
            return
        self.skip_animation()  # the last line settles before the next one is asked for
        primer = copied_strokes(self.pad.strokes()) if priming else ()
        self._primer_end = primer[-1][-1].copy() if primer else None
        self._set_status("Writing…", busy=True)
        self.write_requested.emit(WriteRequest(text, self.bias, primer, primer_text))

    def request_add_to_data(self) -> None:
        text = self.primer_text_edit.text().strip()
        if self.pad.is_empty() or not text:
            self._set_status("Draw a line and type what it says to add it to your handwriting", error=True)
            return
        self._set_status("Adding your line…", busy=True)
        self.add_to_data_requested.emit((copied_strokes(self.pad.strokes()), text))

    def show_added(self, text: str, your_lines: int) -> None:
        """The line joined the project's training data; ``your_lines`` of the user's are there now."""
        lines = "1 line" if your_lines == 1 else f"{your_lines} lines"
        self._set_status(f"Added “{text}” to your handwriting ({lines} of yours): train to learn from it")

    def _on_primer_text_changed(self) -> None:
        self.primer_text_edit.setStyleSheet("")
        if self.status_label.text() == PRIMER_TEXT_MISSING:
            self._set_status("")
        self._update_controls()

    # -- predicting as the user draws ---------------------------------------------------

    def show_density(self, event: NextPointDensity) -> None:
        """Show where the model expects the pen next (over ``event.rect``) and its chance of lifting."""
        self.density.show(event)

    def density_failed(self, message: str) -> None:
        self._set_status(f"Could not predict the next point: {message}", error=True)
        self.density.answered()

    # -- what the model wrote -----------------------------------------------------------

    def show_written(self, event: HandwritingWritten) -> None:
        """Animate the model's line onto the pad and fill the φ and π heatmaps."""
        try:
            total = self.player.play(event, self._primer_end)
        except ValueError as error:
            self.show_error(f"Could not show what the model wrote: {error}")
            return
        self.heatmaps.show_written(event)
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(0)
        self._set_status(f"Writing {total} points…" if total else "The model wrote nothing")
        self._update_controls()

    def _on_animation_progressed(self, shown: int, total: int) -> None:
        self.progress.setValue(shown)
        self.heatmaps.set_playhead(shown - 1 if shown < total else None)

    def _on_animation_finished(self) -> None:
        self._set_status(written_summary(self.player.event))
        self._update_controls()

    def skip_animation(self) -> None:
        """Show all of the model's line at once."""
        self.animator.finish()

    def is_animating(self) -> bool:
        return self.animator.is_running()

    def written_strokes(self) -> list[np.ndarray]:
        """The model's whole line as absolute strokes (ink coordinates), even while it is still animating."""
        return [stroke.copy() for stroke in self.player.strokes]

    def clear_written(self) -> None:
        """Remove the model's line from the pad and empty the heatmaps."""
        self.player.clear()
        self.heatmaps.reset()
        self._set_status("")
        self._update_controls()

    def show_error(self, message: str) -> None:
        self._set_status(message, error=True)

    # -- export -------------------------------------------------------------------------

    def _ink_to_export(self) -> list[np.ndarray]:
        return self.pad.strokes() + self.written_strokes()

    def export_svg(self, path: str | Path) -> bool:
        """Write the pad's ink and the model's line to an SVG at ``path``; False (and a message) on failure."""
        return self._export(ink_to_svg, path)

    def export_png(self, path: str | Path) -> bool:
        return self._export(ink_to_png, path)

    def _export(self, write, path: str | Path) -> bool:
        try:
            write(self._ink_to_export(), path)
        except (OSError, ValueError) as error:
            self.show_error(f"Could not export: {error}")
            return False
        self._set_status(f"Saved {Path(path).name}")
        return True

    def _export_with_dialog(self, file_filter: str, export) -> None:
        suffix = ".svg" if "svg" in file_filter else ".png"
        path, _ = QFileDialog.getSaveFileName(self, "Export handwriting", f"handwriting{suffix}", file_filter)
        if path:
            export(path if Path(path).suffix else path + suffix)
