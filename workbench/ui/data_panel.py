"""The data panel: which data the project learns from, its statistics and a preview.

Choosing other data starts a new project (the vocabulary, and so the model, depend on it); the
panel only asks for it through signals, the window decides.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QComboBox, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton,
    QVBoxLayout, QWidget,
)

from ..engine.data import DEFAULT_DEMO, DEMOS
from ..engine.project import ProjectSnapshot

TEXT_FILTER = "Text files (*.txt *.md *.py *.csv *.tsv);;All files (*)"


def _count(value) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


class DataPanel(QWidget):
    demo_requested = Signal(str)
    file_requested = Signal(object, str, str)  # path, kind ("text" or "lines"), level ("char"/"word")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.demo_choice = QComboBox()
        for name, demo in DEMOS.items():
            self.demo_choice.addItem(demo.title, name)
            self.demo_choice.setItemData(self.demo_choice.count() - 1, demo.description, Qt.ItemDataRole.ToolTipRole)
        self.demo_choice.setCurrentIndex(self.demo_choice.findData(DEFAULT_DEMO))
        use_demo = QPushButton("Use demo")
        use_demo.clicked.connect(lambda: self.demo_requested.emit(self.demo_choice.currentData()))
        self.level_choice = QComboBox()
        self.level_choice.addItem("characters", "char")
        self.level_choice.addItem("words", "word")
        open_text = QPushButton("Text file…")
        open_text.setToolTip("A UTF-8 text to model as one long sequence")
        open_text.clicked.connect(lambda: self._ask_file("text"))
        open_lines = QPushButton("List file…")
        open_lines.setToolTip("One item a line (names, words): each is a sequence of its own")
        open_lines.clicked.connect(lambda: self._ask_file("lines"))

        source = QGroupBox("Learn from")
        choose = QFormLayout(source)
        demo_row = QHBoxLayout()
        demo_row.addWidget(self.demo_choice, 1)
        demo_row.addWidget(use_demo)
        choose.addRow("Demo", demo_row)
        file_row = QHBoxLayout()
        file_row.addWidget(open_text)
        file_row.addWidget(open_lines)
        file_row.addWidget(QLabel("as"))
        file_row.addWidget(self.level_choice)
        choose.addRow("Own data", file_row)

        self.title = QLabel()
        self.title.setWordWrap(True)
        self.stats = QLabel()
        self.stats.setTextFormat(Qt.TextFormat.RichText)
        self.preview = QPlainTextEdit(readOnly=True)
        self.preview.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.preview.setMaximumBlockCount(200)

        layout = QVBoxLayout(self)
        layout.addWidget(source)
        layout.addWidget(self.title)
        layout.addWidget(self.stats)
        layout.addWidget(QLabel("Preview"))
        layout.addWidget(self.preview, 1)

    def show_project(self, snapshot: ProjectSnapshot) -> None:
        description, stats = snapshot.data_description, snapshot.data_stats
        source = description.get("source", "")
        where = "built-in demo" if source.startswith("demo:") else source
        if source.startswith("demo:"):  # the chooser names the demo that is open
            self.demo_choice.setCurrentIndex(max(self.demo_choice.findData(source.removeprefix("demo:")), 0))
        self.title.setText(f"<b>{description.get('title', 'Data')}</b> — {where}")
        rows = _stroke_rows(stats) if "train_lines" in stats else _token_rows(stats)
        cells = "".join(
            f"<tr><td>{name}</td><td align='right'>&nbsp;&nbsp;{_count(value)}</td></tr>"
            for name, value in rows if value is not None
        )
        self.stats.setText(f"<table>{cells}</table>")
        self.preview.setPlainText(snapshot.data_preview)

    def _ask_file(self, kind: str) -> None:
        title = "Text to learn from" if kind == "text" else "List of items, one a line"
        path, _ = QFileDialog.getOpenFileName(self, title, "", TEXT_FILTER)
        if path:
            level = self.level_choice.currentData() if kind == "text" else "char"
            self.file_requested.emit(Path(path), kind, level)


def _token_rows(stats: dict) -> list[tuple[str, object]]:
    rows = [("vocabulary", stats.get("vocab_size")), ("level", stats.get("level"))]
    if "items" in stats:
        rows += [("items", stats["items"]), ("training items", stats.get("train_items")),
                 ("validation items", stats.get("val_items")), ("longest item", stats.get("longest_item"))]
    else:
        rows += [("characters", stats.get("characters"))]
    return rows + [("training tokens", stats.get("train_tokens")), ("validation tokens", stats.get("val_tokens"))]


def _stroke_rows(stats: dict) -> list[tuple[str, object]]:
    """Handwriting: lines, writers (and how many lines are the user's own), pen points."""
    return [
        ("training lines", stats.get("train_lines")), ("validation lines", stats.get("val_lines")),
        ("writers", stats.get("writers")), ("your lines", stats.get("your_lines")),
        ("characters", stats.get("characters")), ("training points", stats.get("train_points")),
        ("longest line", stats.get("longest_line")),
    ]
