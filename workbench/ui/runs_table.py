"""The project's runs under the Training tab's plots, a row each with the columns of
``workbench runs`` (the same rows and cells: ``engine.project.run_table``).

The rows selected are the runs whose curves are drawn: selecting earlier runs overlays them on
the current one, unselecting hides them. The current run (the last row) is always drawn, so its
row stays selected.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QColor, QFont, QIcon, QPalette, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from ..engine.project.run_table import TEXT_COLUMNS, RunRow, row_cells, run_rows, table_header
from ..engine.training.run_metrics import throughput_counts
from . import theme

VISIBLE_ROWS = 4  # the table is as tall as this many rows at most; more scroll
DRAWN_TINT = "#d2e3fc"  # the rows selected, whose runs are drawn: a light blue under dark text


def runs_table_rows(worker) -> tuple[list[RunRow], str]:
    """On the worker thread: the open project's rows, as ``workbench runs`` makes them, and what
    its throughput counts; no rows without a project."""
    project = worker.project
    if project is None:
        return [], "tokens"
    return run_rows(project), throughput_counts(project.spec, project.corpus)


def _swatch(colour: QColor) -> QIcon:
    pixmap = QPixmap(10, 10)
    pixmap.fill(colour)
    return QIcon(pixmap)


class RunsTable(QTableWidget):
    run_toggled = Signal(str, bool)  # run name, shown: the user selected or unselected its row

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(table_header()), parent)
        self.setHorizontalHeaderLabels(table_header())
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setWordWrap(False)
        self.setShowGrid(False)
        self.verticalHeader().hide()
        self.horizontalHeader().setHighlightSections(False)
        self.horizontalHeader().setStretchLastSection(True)
        self.setToolTip("Select runs to draw their curves beside the current run's (Ctrl+click for several)")
        palette = self.palette()  # every drawn run is selected: a light tint, not a block of colour
        for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
            palette.setColor(group, QPalette.ColorRole.Highlight, QColor(DRAWN_TINT))
            palette.setColor(group, QPalette.ColorRole.HighlightedText, QColor(theme.TEXT))
        self.setPalette(palette)
        self._shown: dict[str, bool] = {}  # by run name: drawn, as the rows' selection last said
        self.horizontalHeader().resizeSections(QHeaderView.ResizeMode.ResizeToContents)
        self._fit_height()
        self.itemSelectionChanged.connect(self._on_selection_changed)

    @property
    def run_names(self) -> list[str]:
        return [self.item(row, 0).text() for row in range(self.rowCount())]

    @property
    def selected_runs(self) -> list[str]:
        rows = sorted({index.row() for index in self.selectionModel().selectedRows()})
        return [self.item(row, 0).text() for row in rows]

    def cells(self, row: int) -> list[str]:
        """The text of row ``row``'s cells, column by column."""
        return [self.item(row, column).text() for column in range(self.columnCount())]

    def show_rows(self, rows: list[RunRow], counts: str, drawn: dict[str, tuple[QColor, bool]]) -> None:
        """The rows of ``run_table.run_rows``; ``drawn``: each run's colour and whether its curves are
        shown, which selects its row."""
        header = table_header(counts)
        self.blockSignals(True)
        self.clearSelection()
        self.setHorizontalHeaderLabels(header)
        self.setRowCount(len(rows))
        self._shown = {}
        bold = QFont(self.font())
        bold.setBold(True)
        for index, row in enumerate(rows):
            for column, text in enumerate(row_cells(row)):
                item = QTableWidgetItem(text)
                numeric = header[column] not in TEXT_COLUMNS
                item.setTextAlignment(
                    (Qt.AlignmentFlag.AlignRight if numeric else Qt.AlignmentFlag.AlignLeft)
                    | Qt.AlignmentFlag.AlignVCenter
                )
                if index == len(rows) - 1:
                    item.setFont(bold)
                self.setItem(index, column, item)
            colour, shown = drawn.get(row.name, (None, True))
            if colour is not None:
                self.item(index, 0).setIcon(_swatch(colour))
            self._shown[row.name] = shown
        for name, shown in self._shown.items():
            self._select(name, shown)
        self.blockSignals(False)
        self.horizontalHeader().resizeSections(QHeaderView.ResizeMode.ResizeToContents)
        self._fit_height()

    def show_run_shown(self, name: str, shown: bool) -> None:
        """A run was shown or hidden elsewhere (the Runs menu, the legend): its row follows."""
        if name in self._shown and self._shown[name] != shown:
            self._shown[name] = shown
            self.blockSignals(True)
            self._select(name, shown)
            self.blockSignals(False)

    def _select(self, name: str, selected: bool) -> None:
        names = self.run_names
        if name not in names:
            return
        flag = QItemSelectionModel.SelectionFlag.Select if selected else QItemSelectionModel.SelectionFlag.Deselect
        index = self.model().index(names.index(name), 0)
        self.selectionModel().select(index, flag | QItemSelectionModel.SelectionFlag.Rows)

    def _on_selection_changed(self) -> None:
        names = self.run_names
        if not names:
            return
        selected = set(self.selected_runs)
        if names[-1] not in selected:  # the current run is always drawn
            self.blockSignals(True)
            self._select(names[-1], True)
            self.blockSignals(False)
            selected.add(names[-1])
        for name in names:
            shown = name in selected
            if self._shown.get(name) != shown:
                self._shown[name] = shown
                self.run_toggled.emit(name, shown)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_height()  # a narrower table may need its horizontal scroll bar

    def _fit_height(self) -> None:
        """As tall as its rows, up to VISIBLE_ROWS (one row when it has none), and the horizontal
        scroll bar when its columns are wider than it."""
        rows = min(max(self.rowCount(), 1), VISIBLE_ROWS)
        height = self.horizontalHeader().sizeHint().height() + rows * self.verticalHeader().defaultSectionSize()
        if self.horizontalHeader().length() > self.width() - 2 * self.frameWidth():
            height += self.horizontalScrollBar().sizeHint().height()
        self.setFixedHeight(height + 2 * self.frameWidth())
