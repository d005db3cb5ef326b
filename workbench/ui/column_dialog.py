"""Choosing a table's columns: which holds the texts and which their labels; or, for a series, which
values to model and how (gaps, sequence length, differencing)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..engine.data.series import DEFAULT_SEQ_LEN, DEFAULT_VAL_FRACTION, longest_seq_len, split_steps
from ..engine.data.series_file import MIN_ROWS, SeriesSurvey
from .theme import PROBLEM

GAP_FILLS = {  # what the user is offered for gaps, by the engine's name for it
    "forward": "Carry the value before forward",
    "linear": "Draw a straight line across each gap",
    "drop": "Drop the rows with a gap (the steps left are unevenly spaced)",
}
LIST_ROWS_SHOWN = 8  # the column list grows to this many rows, then scrolls
TEXT_NAMES = ("text", "name", "sentence", "review", "title", "message")  # guessed as the text column
LABEL_NAMES = ("label", "class", "category", "sex", "gender", "sentiment", "target", "y")


class ColumnDialog(QDialog):
    """Two choices from the header, offered first: ``guess``, the columns whose contents look like
    texts and labels (a description, a section), else columns named like them."""

    def __init__(
        self, file_name: str, header: list[str], parent: QWidget | None = None, guess: tuple[str, str] | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Choose the columns")
        self.text_column = QComboBox()
        self.label_column = QComboBox()
        for combo in (self.text_column, self.label_column):
            combo.addItems(header)
        if guess is not None and set(guess) <= set(header):
            self.text_column.setCurrentText(guess[0])
            self.label_column.setCurrentText(guess[1])
        else:
            self.text_column.setCurrentIndex(_guess(header, TEXT_NAMES, 0))
            self.label_column.setCurrentIndex(_guess(header, LABEL_NAMES, len(header) - 1))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.text_column.currentIndexChanged.connect(lambda: self._check(buttons))
        self.label_column.currentIndexChanged.connect(lambda: self._check(buttons))
        self.problem = QLabel()
        self.problem.setStyleSheet(f"color: {PROBLEM};")
        form = QFormLayout(self)
        form.addRow(QLabel(f"<b>{file_name}</b>: a classifier learns to read the text and say its label."))
        form.addRow("Text", self.text_column)
        form.addRow("Label", self.label_column)
        form.addRow(self.problem)
        form.addRow(buttons)
        self._check(buttons)

    def columns(self) -> tuple[str, str]:
        return self.text_column.currentText(), self.label_column.currentText()

    def _check(self, buttons: QDialogButtonBox) -> None:
        same = self.text_column.currentIndex() == self.label_column.currentIndex()
        self.problem.setText("The text and the label must be different columns." if same else "")
        buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not same)


def _guess(header: list[str], names: tuple[str, ...], fallback: int) -> int:
    lowered = [column.strip().lower() for column in header]
    return next((lowered.index(name) for name in names if name in lowered), fallback)


class SeriesColumnsDialog(QDialog):
    """How to read a series before its project exists: the columns (those of numbers checked, but
    not those that count time), how to fill gaps, the sequence length (at most what the validation
    part has windows of) and differencing; the normalisation is shown."""

    def __init__(
        self,
        file_name: str,
        survey: SeriesSurvey,
        parent: QWidget | None = None,
        val_fraction: float = DEFAULT_VAL_FRACTION,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import a time series")
        self.survey, self.val_fraction = survey, val_fraction
        self.list = QListWidget()
        for name in survey.header:
            self.list.addItem(self._item(name))
        frame = 2 * self.list.frameWidth()
        self.list.setMinimumWidth(self.list.sizeHintForColumn(0) + frame + 24)
        shown_rows = min(max(self.list.count(), 3), LIST_ROWS_SHOWN)
        self.list.setMaximumHeight(shown_rows * self.list.sizeHintForRow(0) + frame + 4)
        self.fill = QComboBox()
        self.fill.setPlaceholderText("Choose how to fill them")
        for key, text in GAP_FILLS.items():
            self.fill.addItem(text, key)
        self.fill.setCurrentIndex(-1)
        self.seq_len = QSpinBox(minimum=1, suffix=" steps")
        self.differencing = QCheckBox("Model the change from one step to the next (first differences)")
        self.differencing_note = QLabel(
            "For a series that trends, such as CO₂ rising over the years; forecasts "
            "add the changes back up, in the series' own units."
        )
        self.gap_note, self.seq_len_note, self.normalisation = QLabel(), QLabel(), QLabel()
        self.problem = QLabel()
        self.problem.setStyleSheet(f"color: {PROBLEM};")
        for label in (self.gap_note, self.seq_len_note, self.normalisation, self.differencing_note, self.problem):
            label.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self._layout(file_name)
        self._default_seq_len = 0  # the length last offered; the spin box follows it until the user moves it
        self.list.itemChanged.connect(lambda _: self._update())
        self.fill.currentIndexChanged.connect(lambda _: self._update())
        self.differencing.toggled.connect(lambda _: self._update())
        self._update()

    def columns(self) -> tuple[str, ...]:
        return tuple(
            self.list.item(row).data(Qt.ItemDataRole.UserRole)
            for row in range(self.list.count())
            if self.list.item(row).checkState() == Qt.CheckState.Checked
        )

    def series_options(self) -> dict:
        """The keywords of ``load_series_csv`` chosen here (besides the columns)."""
        fill = self.fill.currentData() if self.survey.gaps(self.columns()) else None
        return {"fill": fill, "differencing": self.differencing.isChecked(), "val_fraction": self.val_fraction}

    def chosen_seq_len(self) -> int:
        return self.seq_len.value()

    def _item(self, name: str) -> QListWidgetItem:
        survey = self.survey
        item = QListWidgetItem(name)
        item.setData(Qt.ItemDataRole.UserRole, name)
        if name not in survey.numeric:
            why = f"not numbers: {survey.unreadable[name]}" if name in survey.unreadable else "not numbers"
            item.setText(f"{name} ({why})")
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
            return item
        gaps = len(survey.gap_rows.get(name, ()))
        if name in survey.index_like:
            item.setText(f"{name} (counts time: {survey.index_like[name]})")
        elif gaps:
            item.setText(f"{name} ({gaps} gap{'s' * (gaps > 1)})")
        counts_time = name in survey.index_like
        item.setCheckState(Qt.CheckState.Unchecked if counts_time else Qt.CheckState.Checked)
        return item

    def _layout(self, file_name: str) -> None:
        intro = QLabel(
            f"<b>{file_name}</b>: the forecaster learns to predict the next step of the checked "
            f"columns from all of them. Rows are steps, in time order ({self.survey.rows:,} rows)."
        )
        intro.setWordWrap(True)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Gaps", self.fill)
        form.addRow("", self.gap_note)
        form.addRow("Sequence length", self.seq_len)
        form.addRow("", self.seq_len_note)
        form.addRow("Normalisation", self.normalisation)
        form.addRow("Differencing", self.differencing)
        form.addRow("", self.differencing_note)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.list)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)

    def _update(self) -> None:
        columns, differencing = self.columns(), self.differencing.isChecked()
        gaps = self.survey.gaps(columns)
        fill = self.fill.currentData() if gaps else None
        self.fill.setEnabled(bool(gaps))
        self.gap_note.setText(self._gap_text(columns, gaps))
        steps = self.survey.steps_after(columns, fill)
        longest = longest_seq_len(steps, self.val_fraction, differencing) if steps >= MIN_ROWS else 0
        self.seq_len.setMaximum(max(1, longest))
        if self.seq_len.value() == self._default_seq_len or not self._default_seq_len:
            self.seq_len.setValue(min(DEFAULT_SEQ_LEN, longest))
        self._default_seq_len = min(DEFAULT_SEQ_LEN, longest)
        train_steps, val_steps = split_steps(max(steps, MIN_ROWS), self.val_fraction)
        self.seq_len_note.setText(
            f"At most {longest}: the last {val_steps:,} of the {steps:,} steps are held out "
            "for validation, and each window needs the step after it."
        )
        of_what = "the change from step to step in each column" if differencing else "each column"
        self.normalisation.setText(
            f"z-score: {of_what}, less its mean and over its standard deviation in the "
            f"first {train_steps:,} steps (the training part)."
        )
        problem = self._problem(columns, gaps, fill, steps, longest)
        self.problem.setText(problem)
        self.problem.setVisible(bool(problem))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)

    def _gap_text(self, columns: tuple[str, ...], gaps: int) -> str:
        if not gaps:
            return "No gaps in the checked columns."
        line, name = min((self.survey.gap_lines[name], name) for name in columns if name in self.survey.gap_lines)
        return f"{gaps:,} empty cell{'s' * (gaps > 1)} in the checked columns, the first on line {line} ({name})."

    def _problem(self, columns: tuple[str, ...], gaps: int, fill: str | None, steps: int, longest: int) -> str:
        if not columns:
            return "Check at least one column to model."
        if gaps and fill is None:
            return "The checked columns have gaps: choose how to fill them."
        if steps < MIN_ROWS:
            return f"Dropping the rows with gaps leaves {steps} steps; a series needs at least {MIN_ROWS}."
        if longest < 1:
            return f"{steps} steps are too few for a window in both the training and the validation part."
        return ""
