"""The data panel: which data the project learns from, its statistics and a preview.

Choosing other data starts a new project (the vocabulary, and so the model, depend on it); the
panel only asks for it through signals, the window decides.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..engine.data import DEFAULT_DEMO, DEMOS
from ..engine.data.own_data import OWN_DATA_KINDS
from ..engine.project.snapshot import ProjectSnapshot

FILE_FILTERS = {
    "text": "Text files (*.txt *.md *.py);;All files (*)",
    "lines": "Text files (*.txt);;All files (*)",
    "table": "Tables (*.csv *.tsv *.tab);;All files (*)",
    "tagged": "CoNLL files (*.conll *.conllu *.txt *.tsv);;All files (*)",
    "pairs": "Tab-separated pairs (*.tsv *.txt);;All files (*)",
    "series": "CSV files (*.csv *.tsv *.txt);;All files (*)",
}
LEVELLED_KINDS = {"text", "table", "pairs"}  # kinds whose text can be read as characters or as words


def _count(value) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


class DataPanel(QWidget):
    demo_requested = Signal(str)
    file_requested = Signal(object, str, str)  # path, kind (a key of OWN_DATA_KINDS), level ("char"/"word")

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
        self.level_choice.setToolTip("Read the file's text as characters or as words")
        self.kind_choice = QComboBox()
        for kind, title in OWN_DATA_KINDS.items():
            self.kind_choice.addItem(title, kind)
        self.kind_choice.setToolTip(
            "One long text or a list: a language model. A labelled table: a classifier. "
            "Tagged tokens: a tagger. Translation pairs: an encoder–decoder."
        )
        self.kind_choice.currentIndexChanged.connect(self._kind_changed)
        open_file = QPushButton("Choose file…")
        open_file.clicked.connect(self._ask_file)

        source = QGroupBox("Learn from")
        choose = QFormLayout(source)
        demo_row = QHBoxLayout()
        demo_row.addWidget(self.demo_choice, 1)
        demo_row.addWidget(use_demo)
        choose.addRow("Demo", demo_row)
        kind_row = QHBoxLayout()
        kind_row.addWidget(self.kind_choice, 1)
        kind_row.addWidget(self.level_choice)
        choose.addRow("Own data", kind_row)
        choose.addRow("", open_file)

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
        if "train_lines" in stats:
            rows = _stroke_rows(stats)
        elif "train_pairs" in stats:
            rows = _pair_rows(stats)
        elif "train_pictures" in stats:
            rows = _picture_rows(stats)
        elif "train_steps" in stats or "lag" in stats:
            rows = _sequence_task_rows(stats)
        else:
            rows = _token_rows(stats) + _label_rows(stats)
        cells = "".join(
            f"<tr><td>{name}</td><td align='right'>&nbsp;&nbsp;{_count(value)}</td></tr>"
            for name, value in rows
            if value is not None
        )
        self.stats.setText(f"<table>{cells}</table>")
        self.preview.setPlainText(snapshot.data_preview)

    def _kind_changed(self) -> None:
        """Lists and tagged tokens have a fixed level; the other kinds may be read as words."""
        self.level_choice.setEnabled(self.kind_choice.currentData() in LEVELLED_KINDS)

    def _ask_file(self) -> None:
        kind = self.kind_choice.currentData()
        path, _ = QFileDialog.getOpenFileName(self, OWN_DATA_KINDS[kind], "", FILE_FILTERS[kind])
        if path:
            level = self.level_choice.currentData() if kind in LEVELLED_KINDS else "char"
            self.file_requested.emit(Path(path), kind, level)


def _token_rows(stats: dict) -> list[tuple[str, object]]:
    rows = [("vocabulary", stats.get("vocab_size")), ("level", stats.get("level"))]
    if "items" in stats:
        rows += [
            ("items", stats["items"]),
            ("training items", stats.get("train_items")),
            ("validation items", stats.get("val_items")),
            ("longest item", stats.get("longest_item")),
        ]
    else:
        rows += [("characters", stats.get("characters"))]
    return rows + [("training tokens", stats.get("train_tokens")), ("validation tokens", stats.get("val_tokens"))]


def _stroke_rows(stats: dict) -> list[tuple[str, object]]:
    """Handwriting: lines, writers (and how many lines are the user's own), pen points."""
    return [
        ("training lines", stats.get("train_lines")),
        ("validation lines", stats.get("val_lines")),
        ("writers", stats.get("writers")),
        ("your lines", stats.get("your_lines")),
        ("characters", stats.get("characters")),
        ("training points", stats.get("train_points")),
        ("longest line", stats.get("longest_line")),
    ]


def _pair_rows(stats: dict) -> list[tuple[str, object]]:
    """Translation pairs: how many, both vocabularies, the longest of each side."""
    return [
        ("training pairs", stats.get("train_pairs")),
        ("validation pairs", stats.get("val_pairs")),
        ("source vocabulary", stats.get("source_vocab_size")),
        ("target vocabulary", stats.get("target_vocab_size")),
        ("longest source", stats.get("longest_source")),
        ("longest target", stats.get("longest_target")),
    ]


def _label_rows(stats: dict) -> list[tuple[str, object]]:
    """Labelled data: each label's count, the accuracy to beat, and the demo's notes."""
    counts = stats.get("train_label_counts") or {}
    rows: list[tuple[str, object]] = [(f"· {name}", count) for name, count in counts.items()]
    if "majority_share" in stats:
        rows.append(("commonest label", f"{stats['majority_share']:.1%}"))
    if "names_on_both_lists" in stats:
        rows += [("on both lists", stats["names_on_both_lists"]), ("close calls", stats.get("close_calls"))]
    return rows


def _sequence_task_rows(stats: dict) -> list[tuple[str, object]]:
    """A series (its columns and split) or a long-range task (its lag and the baseline to beat)."""
    if "train_steps" in stats:
        return [
            ("columns", ", ".join(stats.get("columns", []))),
            ("training steps", stats.get("train_steps")),
            ("validation steps", stats.get("val_steps")),
        ]
    baseline = stats.get("baseline_loss")
    return [
        ("lag T", stats.get("lag")),
        ("sequence length", stats.get("sequence_length")),
        ("symbols to copy", stats.get("symbols")),
        ("validation sequences", stats.get("val_sequences")),
        ("baseline", stats.get("baseline")),
        ("baseline loss", None if baseline is None else f"{baseline:.4f}"),
    ]


def _picture_rows(stats: dict) -> list[tuple[str, object]]:
    """Captioned pictures: how many, their size, the caption vocabulary."""
    size = stats.get("image_size")
    return [
        ("training pictures", stats.get("train_pictures")),
        ("validation pictures", stats.get("val_pictures")),
        ("picture size", f"{size}×{size}" if size else None),
        ("caption vocabulary", stats.get("vocab_size")),
        ("different captions", stats.get("distinct_captions")),
        ("longest caption", stats.get("longest_caption")),
    ]
