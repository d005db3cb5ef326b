"""File ▸ Export: the trained model in a form another tool reads, and the check it passed.

The export runs on the engine worker like every torch call (one on this thread slows training
to a third); its steps come back as ``TaskProgress`` events through the bridge and its report
as the call's answer. Closing the dialog mid-export lets the export finish unseen.
"""

from __future__ import annotations

from functools import partial
from html import escape
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from ..engine.events import TaskProgress
from ..engine.export import FORMATS, ExportFormat, export_model
from ..engine.export.report import ExportReport
from ..engine.spec import ModelSpec
from ..engine.training.worker import EngineWorker
from .engine_bridge import EngineBridge
from .theme import ERROR, MUTED, OK


def run_export(worker: EngineWorker, format_name: str, path: Path, text: str | None) -> ExportReport:
    """On the worker: export its project; each step whose rounded percentage changed goes to the
    window as a TaskProgress event."""
    last = None

    def progress(what: str, done: int, total: int | None) -> None:
        nonlocal last
        shown = (what, round(100 * done / total) if total else done)
        if shown != last:
            last = shown
            worker.sink(TaskProgress(what, done, total, unit="steps"))

    try:
        return export_model(worker.project, format_name, path, text=text, progress=progress)
    finally:  # the status bar's progress ends with the export, whatever its end
        worker.sink(TaskProgress("Export", 1, 1, unit="steps"))


def in_words(error: BaseException) -> str:
    """What went wrong, for the user: an error's message, never its traceback. The engine says
    which file and why (a missing folder, the project file itself, a failed write)."""
    return str(error) or type(error).__name__


class ExportDialog(QDialog):
    def __init__(
        self, bridge: EngineBridge, spec: ModelSpec, project_path: Path | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export model")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.bridge = bridge
        self.project_path = project_path
        self.running = False
        self.reasons = {name: fmt.unsupported(spec) for name, fmt in FORMATS.items()}
        self._format = next(fmt for name, fmt in FORMATS.items() if not self.reasons[name])  # safetensors: any

        self.formats = QListWidget()
        greyed = self.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        for name, fmt in FORMATS.items():
            item = QListWidgetItem(f"{fmt.title}\n{fmt.summary}")
            item.setData(Qt.ItemDataRole.UserRole, name)
            if self.reasons[name]:  # greyed, yet it can be picked: the hint line then says why not
                item.setForeground(greyed)
                item.setToolTip(self.reasons[name])
            self.formats.addItem(item)
        self.formats.setSpacing(3)  # around each row: a row's pitch is its height + 6
        self.formats.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet(f"color: {ERROR};")
        self.path_edit = QLineEdit()
        browse = QPushButton("Browse…")
        browse.clicked.connect(self.browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)
        self.text_box = QPlainTextEdit()
        self.text_box.setPlaceholderText("Empty: a stretch of the validation text")
        self.text_box.setFixedHeight(90)
        load_text = QPushButton("Load text file…")
        load_text.clicked.connect(self.choose_text_file)
        text_note = QLabel("The model reads this text; LSTMVis shows its states at each token.")
        text_note.setStyleSheet(f"color: {MUTED};")
        text_row = QHBoxLayout()
        text_row.addWidget(text_note, 1)
        text_row.addWidget(load_text)
        self.text_area = QWidget()
        text_layout = QVBoxLayout(self.text_area)
        text_layout.setContentsMargins(0, 0, 0, 0)
        text_layout.addWidget(self.text_box)
        text_layout.addLayout(text_row)

        self.options = QWidget()  # everything the user chooses, disabled while an export runs
        self.form = QFormLayout(self.options)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.setVerticalSpacing(10)
        self.form.addRow("Format", self.formats)
        self.form.addRow("", self.hint)
        self.form.addRow("Write to", path_row)
        self.form.addRow("Text", self.text_area)
        self.progress_label = QLabel()
        self.progress_bar = QProgressBar()
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setTextFormat(Qt.TextFormat.RichText)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.export_button = buttons.addButton("Export", QDialogButtonBox.ButtonRole.ActionRole)
        self.export_button.clicked.connect(self.export)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.options)
        layout.addWidget(self.progress_label)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.result)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.export_button.setDefault(True)  # Enter exports; once in the dialog, or Browse… would be the default
        self._set_running(False)
        bridge.progress_arrived.connect(self._on_progress)

        self.path_edit.setText(str(self.default_path(self._format)))
        self.formats.currentRowChanged.connect(self._on_format_changed)
        self.formats.setCurrentRow(list(FORMATS.values()).index(self._format))
        self.formats.setFocus()
        self.resize(680, self.sizeHint().height())

    def showEvent(self, event: QShowEvent) -> None:
        """Size the format list once the style has set the font: every format in view."""
        self.formats.setFixedHeight(self._height_of_every_row())
        self._grow_to_fit()
        super().showEvent(event)

    def _grow_to_fit(self) -> None:
        """Taller when the report needs it (not every platform resizes a dialog to its layout)."""
        self.resize(self.width(), max(self.height(), self.sizeHint().height()))

    def _height_of_every_row(self) -> int:
        """The list's height with every format in view: the bottom of its last row, laid out."""
        self.formats.resize(self.formats.width(), 10_000)
        self.formats.doItemsLayout()
        bottom = self.formats.visualItemRect(self.formats.item(self.formats.count() - 1)).bottom()
        return bottom + self.formats.spacing() + 2 * self.formats.frameWidth() + 1

    @property
    def format(self) -> ExportFormat:
        return FORMATS[self.formats.currentItem().data(Qt.ItemDataRole.UserRole)]

    def default_path(self, fmt: ExportFormat) -> Path:
        """Beside the project file, named after it (never the project file itself: LSTMVis writes
        .h5 too); in the home folder for a project not saved yet."""
        if self.project_path is None:
            return Path.home() / f"model{fmt.suffix}"
        path = self.project_path.with_suffix(fmt.suffix)
        return path.with_stem(f"{path.stem}-{fmt.name}") if path == self.project_path else path

    # -- choosing --------------------------------------------------------------------------

    def _on_format_changed(self) -> None:
        """The path follows the format unless the user typed a name of another kind."""
        fmt, previous = self.format, self._format
        path = Path(self.path_edit.text())
        if path == self.default_path(previous):
            self.path_edit.setText(str(self.default_path(fmt)))
        elif path.suffix == previous.suffix:
            self.path_edit.setText(str(path.with_suffix(fmt.suffix)))
        self._format = fmt
        reason = self.reasons[fmt.name]
        self.hint.setText(f"Not for this model: {reason}." if reason else "")
        self.form.setRowVisible(self.hint, bool(reason))
        self.form.setRowVisible(self.text_area, fmt.reads_text and not reason)
        self._update_export_button()

    def browse(self) -> None:
        fmt = self.format
        chosen, _ = QFileDialog.getSaveFileName(
            self, "Export model as", self.path_edit.text(), f"{fmt.title} (*{fmt.suffix});;All files (*)"
        )
        if chosen:
            self.path_edit.setText(chosen)

    def choose_text_file(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(
            self,
            "Text to run the model over",
            str(self.default_path(self.format).parent),
            "Text files (*.txt);;All files (*)",
        )
        if chosen:
            self.load_text(Path(chosen))

    def load_text(self, path: Path) -> None:
        try:
            self.text_box.setPlainText(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            self._show_error(f"{path.name} is not UTF-8 text; save it as UTF-8 and load it again.")
        except OSError as error:
            self._show_error(f"{path.name} cannot be read ({error.strerror}).")

    # -- exporting ------------------------------------------------------------------------

    def export(self) -> None:
        fmt = self.format
        if self.running or self.reasons[fmt.name]:
            return
        path = self._chosen_path(fmt)
        if path is None:
            return
        text = self.text_box.toPlainText() if fmt.reads_text else ""
        self._set_running(True)
        self.progress_label.setText(f"Exporting {path.name}…")
        self.progress_bar.setRange(0, 0)  # busy until the export tells how far it is
        work = partial(run_export, self.bridge.worker, fmt.name, path, text if text.strip() else None)
        self.bridge.call(work, self._on_exported, self._on_failed)

    def _chosen_path(self, fmt: ExportFormat) -> Path | None:
        """The path typed, with the format's suffix if it has none; None, said why, if empty.
        ``export_model`` refuses the rest (a missing folder, the project file itself)."""
        typed = self.path_edit.text().strip()
        if not typed:
            self._show_error("Choose where to write the file.")
            return None
        path = Path(typed).expanduser()
        if not path.is_absolute():
            path = self.default_path(fmt).parent / path
        if not path.suffix:
            path = path.with_suffix(fmt.suffix)
        return path

    def _on_progress(self, event: TaskProgress) -> None:
        if not self.running:
            return  # a download's, or an export's from before
        self.progress_label.setText(event.what)
        self.progress_bar.setRange(0, event.total or 0)
        self.progress_bar.setValue(event.done)

    def _on_exported(self, report: ExportReport) -> None:
        if not isValid(self):  # closed during the export
            return
        self._set_running(False)
        lines = "<br>".join(escape(line, quote=False) for line in report.describe().splitlines())
        folder = escape(str(report.path.parent), quote=False)
        self.result.setText(f'<span style="color: {OK}; font-weight: bold;">✓ Exported</span> to {folder}<br>{lines}')
        self._grow_to_fit()

    def _on_failed(self, error: BaseException) -> None:
        if not isValid(self):
            return
        self._set_running(False)
        self._show_error(f"Export failed: {in_words(error)}")

    def _set_running(self, running: bool) -> None:
        self.running = running
        self.progress_label.setVisible(running)
        self.progress_bar.setVisible(running)
        self.options.setEnabled(not running)
        if running:
            self.result.clear()
        self._update_export_button()

    def _update_export_button(self) -> None:
        self.export_button.setEnabled(not self.running and not self.reasons[self._format.name])

    def _show_error(self, message: str) -> None:
        self.result.setText(f'<span style="color: {ERROR};">{escape(message, quote=False)}</span>')
        self._grow_to_fit()
