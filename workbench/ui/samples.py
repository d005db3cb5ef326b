"""Text the model wrote: the samples taken during training, and a sampler to ask for more.

A plain view. The main window connects ``sample_requested`` to the engine's worker thread and
calls ``show_result`` (or ``show_error``) back on the GUI thread when the answer comes.
"""

from __future__ import annotations

from collections import deque

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontDatabase, QKeySequence, QShortcut, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSlider, QSpinBox, QSplitter,
    QTextBrowser, QVBoxLayout, QWidget,
)

from ..engine.events import SampleGenerated
from ..engine.sampling import SamplingOptions

KEPT_SAMPLES = 50
_TEMPERATURE_STEPS = 100  # the slider counts hundredths: 0 .. 2.00
_MUTED = QColor("#5f6368")
_ERROR = QColor("#c5221f")
_SAMPLE_LABEL = "Sample"
_WAITING_LABEL = "Sampling…"


def _monospace() -> QFont:
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setStyleHint(QFont.StyleHint.Monospace)
    return font


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
            written = text[len(prime):]
        self.cursor.insertText(written, QTextCharFormat())


class SamplesPanel(QWidget):
    sample_requested = Signal(object)  # SamplingOptions

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._samples: deque[SampleGenerated] = deque(maxlen=KEPT_SAMPLES)
        self.log_view = self._text_view("Samples written during training appear here, newest first.")
        self.temperature_slider = QSlider(Qt.Orientation.Horizontal)
        self.temperature_slider.setRange(0, 2 * _TEMPERATURE_STEPS)
        self.temperature_slider.setValue(round(SamplingOptions().temperature * _TEMPERATURE_STEPS))
        self.temperature_slider.setToolTip(
            "Below 1 sharper and safer, above 1 more adventurous; 0 always takes the likeliest token"
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
        self.prime_edit = QLineEdit()
        self.prime_edit.setPlaceholderText("Priming text the model reads before it writes (optional)")
        self.prime_edit.setFont(_monospace())
        self.sample_button = QPushButton(_SAMPLE_LABEL)
        self.sample_button.setToolTip("Write a sample with these settings (Ctrl+Return)")
        self.sample_button.setDefault(True)
        self.result_view = self._text_view("Press Sample to let the model write.")
        self._lay_out()
        self._show_temperature()
        self.temperature_slider.valueChanged.connect(self._show_temperature)
        self.sample_button.clicked.connect(self.request_sample)
        self.prime_edit.returnPressed.connect(self.request_sample)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.request_sample)

    def _text_view(self, placeholder: str) -> QTextBrowser:
        view = QTextBrowser()
        view.setFont(_monospace())
        view.setPlaceholderText(placeholder)
        view.setOpenLinks(False)
        view.setLineWrapMode(QTextBrowser.LineWrapMode.WidgetWidth)
        return view

    def _lay_out(self) -> None:
        log_box = QGroupBox("During training")
        QVBoxLayout(log_box).addWidget(self.log_view)
        sampler = QGroupBox("Sampler")
        temperature_row = QHBoxLayout()
        temperature_row.addWidget(self.temperature_slider, 1)
        temperature_row.addWidget(self.temperature_label)
        numbers_row = QHBoxLayout()
        numbers_row.addWidget(self.top_k_spin)
        numbers_row.addSpacing(12)
        numbers_row.addWidget(QLabel("Length"))
        numbers_row.addWidget(self.length_spin)
        numbers_row.addStretch(1)
        form = QFormLayout()
        form.addRow("Temperature", temperature_row)
        form.addRow("Top-k", numbers_row)
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
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
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
        writer.header(
            f"temperature {_temperature_text(options.temperature)}  ·  top-k {top_k}  ·  {options.length} tokens",
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
        for widget in (self.temperature_slider, self.top_k_spin, self.length_spin, self.prime_edit, self.sample_button):
            widget.setEnabled(writes)
        self.log_view.setPlaceholderText(
            "Samples written during training appear here, newest first." if writes
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
