"""Text the model wrote: the samples taken during training, and a sampler to ask for more.

A plain view. The window's ``ViewRequests`` connects ``sample_requested`` to the engine's worker thread and
calls ``show_result`` (or ``show_error``) back on the GUI thread when the answer comes.
"""

from __future__ import annotations

from collections import deque

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QKeySequence,
    QPainter,
    QPalette,
    QShortcut,
    QTextCharFormat,
    QTextCursor,
    QTextOption,
)
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QSpinBox,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ..engine.events import SampleGenerated
from ..engine.inference.sampling_options import MAX_REPETITION_PENALTY, REPETITION_WINDOW, SamplingOptions
from . import theme
from .weights_choice import WEIGHTS_TIP, WeightsCombo

KEPT_SAMPLES = 50
_TEMPERATURE_STEPS = 100  # the slider counts hundredths: 0 .. 2.00
_REPEATS_TIP = (
    "Greedy and low-temperature sampling repeat themselves: after a run of spaces a model's likeliest "
    "next token is often another space, and greedy decoding always takes the likeliest, so it loops. "
    f"Above 1 (off), the tokens among the last {REPETITION_WINDOW} written are made less likely: a "
    "positive logit is divided by this penalty, a negative one multiplied (CTRL's penalised sampling; "
    "about 1.2 is a good start)"
)
_MUTED = QColor(theme.MUTED)
_ERROR = QColor(theme.ERROR)
_SAMPLE_LABEL = "Sample"
_WAITING_LABEL = "Sampling…"


def _monospace() -> QFont:
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setStyleHint(QFont.StyleHint.Monospace)
    return font


def _left(widget: QWidget) -> QHBoxLayout:
    """``widget`` at its own width at the left of a form row."""
    row = QHBoxLayout()
    row.addWidget(widget)
    row.addStretch(1)
    return row


def _temperature_text(temperature: float) -> str:
    return "0 (greedy)" if temperature == 0 else f"{temperature:.2f}"


class _TextWriter:
    """Appends formatted runs of text to a QTextBrowser: headers in grey, primes in bold."""

    def __init__(self, view: QTextBrowser) -> None:
        self.cursor = QTextCursor(view.document())
        self.cursor.movePosition(QTextCursor.MoveOperation.End)
        self._font = view.font()

    def header(self, text: str, colour: QColor = _MUTED, first: bool = False) -> None:
        if not first:
            self.cursor.insertBlock()
            self.cursor.insertBlock()
        fmt = QTextCharFormat()
        fmt.setForeground(colour)
        fmt.setFontFamilies(QFont().families())  # the UI font: headers are not part of the text
        self.cursor.insertText(text, fmt)
        self.cursor.insertBlock()

    def generated(self, text: str, prime: str) -> None:
        """The model's text, its priming part in bold (sample_text returns prime + written)."""
        written = text
        if prime and text.startswith(prime):
            bold = QTextCharFormat()
            bold.setFontWeight(QFont.Weight.Bold)
            self.cursor.insertText(prime, bold)
            written = text[len(prime) :]
        self.cursor.insertText(written, QTextCharFormat())


class SampleView(QTextBrowser):
    """A read-only view that shows the whole text in any width: lines wrap at the view's edge,
    a word wider than the view (an identifier, a run of one character) anywhere, and the view
    scrolls down, never sideways. Its placeholder wraps too: Qt draws it on one line, cut off
    at the right edge of a narrow dock."""

    def __init__(self, placeholder: str) -> None:
        super().__init__()
        self.setFont(_monospace())
        self.setPlaceholderText(placeholder)
        self.setOpenLinks(False)
        self.setLineWrapMode(QTextBrowser.LineWrapMode.WidgetWidth)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        palette = self.palette()
        self._placeholder_colour = palette.color(QPalette.ColorRole.PlaceholderText)
        palette.setColor(QPalette.ColorRole.PlaceholderText, Qt.GlobalColor.transparent)  # Qt's own, unwrapped
        self.setPalette(palette)

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if self.document().isEmpty() and self.placeholderText():
            margin = round(self.document().documentMargin())
            painter = QPainter(self.viewport())
            painter.setPen(self._placeholder_colour)
            painter.drawText(
                self.viewport().rect().adjusted(margin, margin, -margin, -margin),
                Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap,
                self.placeholderText(),
            )
            painter.end()


class SamplesPanel(QWidget):
    sample_requested = Signal(object)  # SamplingOptions

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._samples: deque[SampleGenerated] = deque(maxlen=KEPT_SAMPLES)
        self.log_view = SampleView("Samples written during training appear here, newest first.")
        self.temperature_slider = QSlider(Qt.Orientation.Horizontal)
        self.temperature_slider.setRange(0, 2 * _TEMPERATURE_STEPS)
        self.temperature_slider.setValue(round(SamplingOptions().temperature * _TEMPERATURE_STEPS))
        self.temperature_slider.setToolTip(
            "Below 1 sharper and safer, above 1 more adventurous; 0 always takes the likeliest token "
            "(and may loop: see Repetition)"
        )
        self.temperature_label = QLabel()
        self.temperature_label.setMinimumWidth(72)
        self.top_k_spin = QSpinBox()
        self.top_k_spin.setRange(0, 100_000)
        self.top_k_spin.setSpecialValueText("all")
        self.top_k_spin.setToolTip("Draw only from the k likeliest tokens (all: no limit)")
        self.length_spin = QSpinBox()
        self.length_spin.setRange(1, 100_000)
        self.length_spin.setValue(SamplingOptions().length)
        self.length_spin.setSuffix(" tokens")
        self.repetition_spin = QDoubleSpinBox()
        self.repetition_spin.setRange(1.0, MAX_REPETITION_PENALTY)
        self.repetition_spin.setSingleStep(0.05)
        self.repetition_spin.setDecimals(2)
        self.repetition_spin.setSpecialValueText("off")
        self.repetition_spin.setValue(SamplingOptions().repetition_penalty)
        self.repetition_spin.setToolTip(_REPEATS_TIP)
        self.prime_edit = QLineEdit()
        self.prime_edit.setPlaceholderText("text to start from")  # short: the field is narrow in a narrow dock
        self.prime_edit.setToolTip("Priming text the model reads before it writes (optional)")
        self.prime_edit.setFont(_monospace())
        self.sample_button = QPushButton(_SAMPLE_LABEL)
        self.sample_button.setToolTip("Write a sample with these settings (Ctrl+Return)")
        self.sample_button.setDefault(True)
        self.result_view = SampleView("Press Sample to let the model write.")
        self.weights_combo = WeightsCombo()  # the window's one choice: Results and Handwriting use it too
        self._lay_out()
        self._show_temperature()
        self.temperature_slider.valueChanged.connect(self._show_temperature)
        self.sample_button.clicked.connect(self.request_sample)
        self.prime_edit.returnPressed.connect(self.request_sample)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.request_sample)

    def _lay_out(self) -> None:
        """One control a row, so that the panel fits a narrow dock (a row of two spin boxes made
        it 370 px wide, more than the window's first layout gives it)."""
        log_box = QGroupBox("During training")
        QVBoxLayout(log_box).addWidget(self.log_view)
        sampler = QGroupBox("Sampler")
        temperature_row = QHBoxLayout()
        temperature_row.addWidget(self.temperature_slider, 1)
        temperature_row.addWidget(self.temperature_label)
        form = QFormLayout()
        form.addRow("Temperature", temperature_row)
        form.addRow("Top-k", _left(self.top_k_spin))
        repetition_label = QLabel("Repetition")
        repetition_label.setToolTip(_REPEATS_TIP)
        form.addRow(repetition_label, _left(self.repetition_spin))
        form.addRow("Length", _left(self.length_spin))
        form.addRow("Prime", self.prime_edit)
        button_row = QHBoxLayout()
        button_row.addStretch(1)
        button_row.addWidget(self.sample_button)
        sampler_layout = QVBoxLayout(sampler)
        sampler_layout.addLayout(form)
        sampler_layout.addLayout(button_row)
        sampler_layout.addWidget(self.result_view, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(log_box)
        splitter.addWidget(sampler)
        splitter.setChildrenCollapsible(False)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        weights_label = QLabel("Weights")
        weights_label.setToolTip(WEIGHTS_TIP)
        weights_row = QHBoxLayout()
        weights_row.addWidget(weights_label)
        weights_row.addWidget(self.weights_combo)
        weights_row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(weights_row)  # above both boxes: it is the whole window's choice, not the sampler's alone
        layout.addWidget(splitter)

    # -- samples during training --------------------------------------------------------

    def add_sample(self, event: SampleGenerated) -> None:
        self._samples.append(event)
        self._show_samples()

    def load_samples(self, samples: list[SampleGenerated]) -> None:
        self._samples = deque(samples, maxlen=KEPT_SAMPLES)
        self._show_samples()

    def _show_samples(self) -> None:
        """Rewrite the log, newest on top, keeping the reader's place if they scrolled down."""
        scroll = self.log_view.verticalScrollBar()
        reading, old_maximum = scroll.value(), scroll.maximum()
        self.log_view.clear()
        writer = _TextWriter(self.log_view)
        for index, sample in enumerate(reversed(self._samples)):
            temperature = _temperature_text(sample.temperature)
            writer.header(f"step {sample.step:,}  ·  temperature {temperature}", first=index == 0)
            writer.generated(sample.text, sample.prime)
        self.log_view.moveCursor(QTextCursor.MoveOperation.Start)  # the view follows its own cursor
        scroll.setValue(reading + scroll.maximum() - old_maximum if reading > 0 else 0)

    @property
    def samples(self) -> list[SampleGenerated]:
        return list(self._samples)

    # -- the sampler --------------------------------------------------------------------

    @property
    def options(self) -> SamplingOptions:
        """The sampler's controls as options for ``sample_text``."""
        return SamplingOptions(
            length=self.length_spin.value(),
            temperature=self.temperature_slider.value() / _TEMPERATURE_STEPS,
            top_k=self.top_k_spin.value(),
            prime=self.prime_edit.text(),
            seed=None,
            repetition_penalty=self.repetition_spin.value(),
        )

    @property
    def waiting(self) -> bool:
        return not self.sample_button.isEnabled()

    def request_sample(self) -> None:
        """Ask for a sample with the current settings (ignored while one is on its way)."""
        if self.waiting:
            return
        self.sample_button.setEnabled(False)
        self.sample_button.setText(_WAITING_LABEL)
        self.sample_requested.emit(self.options)

    def show_result(self, text: str, options: SamplingOptions) -> None:
        self._stop_waiting()
        self.result_view.clear()
        writer = _TextWriter(self.result_view)
        top_k = "all" if options.top_k == 0 else str(options.top_k)
        repeats = "" if options.repetition_penalty == 1 else f"  ·  repetition {options.repetition_penalty:.2f}"
        writer.header(
            f"temperature {_temperature_text(options.temperature)}  ·  top-k {top_k}{repeats}  ·  "
            f"{options.length} tokens",
            first=True,
        )
        writer.generated(text, options.prime)
        self.result_view.moveCursor(QTextCursor.MoveOperation.Start)

    def show_error(self, message: str) -> None:
        self._stop_waiting()
        self.result_view.clear()
        _TextWriter(self.result_view).header(f"Sampling failed: {message}", colour=_ERROR, first=True)

    def set_model_writes(self, writes: bool, instead: str = "") -> None:
        """A model that does not write text cannot be sampled: the panel says where to look instead."""
        controls = (
            self.temperature_slider,
            self.top_k_spin,
            self.repetition_spin,
            self.length_spin,
            self.prime_edit,
            self.sample_button,
        )
        for widget in controls:
            widget.setEnabled(writes)
        self.log_view.setPlaceholderText(
            "Samples written during training appear here, newest first."
            if writes
            else f"This model does not write text. {instead}"
        )
        self.result_view.setPlaceholderText("Press Sample to let the model write." if writes else "")

    def clear(self) -> None:
        self._samples.clear()
        self.log_view.clear()
        self.result_view.clear()
        self._stop_waiting()

    def _stop_waiting(self) -> None:
        self.sample_button.setEnabled(True)
        self.sample_button.setText(_SAMPLE_LABEL)

    def _show_temperature(self, *_args) -> None:
        self.temperature_label.setText(_temperature_text(self.temperature_slider.value() / _TEMPERATURE_STEPS))
