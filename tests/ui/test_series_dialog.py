"""Importing a series in the window: the dialog shows what the file holds and how it will be read,
and a short series (309 yearly rows, like sunspots) opens with a sequence length that fits."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox
from test_main_window import make_window  # noqa: F401 (fixture)

from workbench.engine.data.series import survey_series_csv
from workbench.ui import tasks
from workbench.ui.column_dialog import ColumnDialog, SeriesColumnsDialog

SHOTS = Path("/tmp/shots")


def sunspot_like(tmp_path) -> Path:
    """309 yearly rows: YEAR 1700 to 2008 and an 11-year cycle of activity."""
    path = tmp_path / "sunspots.csv"
    rows = [f"{1700 + i}.0,{80 * abs(((i % 11) - 5.5) / 5.5) + i % 7:.1f}" for i in range(309)]
    path.write_text("YEAR,SUNACTIVITY\n" + "\n".join(rows) + "\n")
    return path


def gappy(tmp_path) -> Path:
    """200 weekly rows with a date, and a gap in every tenth row of co2 (20 gaps, the first on line 2)."""
    path = tmp_path / "co2.csv"
    values = ["" if i % 10 == 0 else f"{315 + i * 0.02 + (i % 52) / 10:.2f}" for i in range(200)]
    path.write_text("date,co2\n" + "".join(f"w{i},{value}\n" for i, value in enumerate(values)))
    return path


def ok_button(dialog: SeriesColumnsDialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


def test_the_sunspot_series_is_offered_without_its_year_and_with_a_window_that_fits(qtbot, tmp_path):
    dialog = SeriesColumnsDialog("sunspots.csv", survey_series_csv(sunspot_like(tmp_path)))
    qtbot.addWidget(dialog)
    dialog.show()
    year, activity = dialog.list.item(0), dialog.list.item(1)
    assert year.checkState() == Qt.CheckState.Unchecked and activity.checkState() == Qt.CheckState.Checked
    assert year.text() == "YEAR (counts time: it rises by 1 every row, like an index or a date)"
    assert year.flags() & Qt.ItemFlag.ItemIsEnabled  # the user may still model it
    assert dialog.seq_len.value() == dialog.seq_len.maximum() == 30  # the validation part: 31 of 309 steps
    assert "the last 31 of the 309 steps" in dialog.seq_len_note.text()
    assert "first 278 steps (the training part)" in dialog.normalisation.text()
    assert not dialog.fill.isEnabled() and dialog.gap_note.text() == "No gaps in the checked columns."
    assert ok_button(dialog).isEnabled() and not dialog.problem.isVisible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    dialog.grab().save(str(SHOTS / "series_dialog.png"))
    dialog.differencing.setChecked(True)
    assert "the change from step to step" in dialog.normalisation.text() and dialog.seq_len.value() == 30
    assert dialog.columns() == ("SUNACTIVITY",) and dialog.chosen_seq_len() == 30
    assert dialog.series_options() == {"fill": None, "differencing": True, "val_fraction": 0.1}


def test_gaps_must_be_given_a_fill_and_dropping_rows_shortens_the_window(qtbot, tmp_path):
    dialog = SeriesColumnsDialog("co2.csv", survey_series_csv(gappy(tmp_path)))
    qtbot.addWidget(dialog)
    assert dialog.list.item(0).text() == "date (not numbers)" and dialog.list.item(1).text() == "co2 (20 gaps)"
    assert dialog.gap_note.text() == "20 empty cells in the checked columns, the first on line 2 (co2)."
    assert not ok_button(dialog).isEnabled() and "choose how to fill them" in dialog.problem.text()
    assert dialog.seq_len.value() == 19  # 20 of 200 steps held out
    dialog.fill.setCurrentIndex(dialog.fill.findData("drop"))
    assert ok_button(dialog).isEnabled() and dialog.seq_len.maximum() == dialog.seq_len.value() == 17  # 18 of 180
    assert dialog.series_options()["fill"] == "drop"
    dialog.fill.setCurrentIndex(dialog.fill.findData("linear"))
    assert dialog.seq_len.value() == 19  # the default follows the data until the user sets it
    dialog.seq_len.setValue(8)
    dialog.fill.setCurrentIndex(dialog.fill.findData("drop"))
    assert dialog.seq_len.value() == 8
    dialog.list.item(1).setCheckState(Qt.CheckState.Unchecked)
    assert not ok_button(dialog).isEnabled() and dialog.problem.text() == "Check at least one column to model."


def test_a_column_with_a_word_among_its_numbers_is_offered_disabled_with_the_line(qtbot, tmp_path):
    path = tmp_path / "words.csv"
    path.write_text("a,b\n" + "".join(f"{i % 5},{'five' if i == 6 else i % 3}\n" for i in range(20)))
    dialog = SeriesColumnsDialog("words.csv", survey_series_csv(path))
    qtbot.addWidget(dialog)
    assert dialog.list.item(1).text() == "b (not numbers: line 8: 'five' is not a number)"
    assert not dialog.list.item(1).flags() & Qt.ItemFlag.ItemIsEnabled and dialog.columns() == ("a",)


def test_the_window_opens_the_sunspot_series_with_the_chosen_sequence_length(
    qtbot,
    make_window,  # noqa: F811 (the fixture)
    tmp_path,
    monkeypatch,
):
    asked = {}

    def exec_dialog(dialog):
        dialog.differencing.setChecked(True)
        dialog.seq_len.setValue(24)
        return QDialog.DialogCode.Accepted

    real = tasks.new_from_file

    def new_from_file(worker, path, kind, level, columns, series_options=None, seq_len=None):
        asked.update(columns=columns, series_options=series_options, seq_len=seq_len)
        return real(worker, path, kind, level, columns, series_options=series_options, seq_len=seq_len)

    monkeypatch.setattr(SeriesColumnsDialog, "exec", exec_dialog)
    monkeypatch.setattr(tasks, "new_from_file", new_from_file)
    window = make_window()
    window.data_panel.file_requested.emit(sunspot_like(tmp_path), "series", "char")
    qtbot.waitUntil(lambda: window.files.has_project, timeout=10_000)
    assert asked == {
        "columns": ("SUNACTIVITY",),
        "seq_len": 24,
        "series_options": {"fill": None, "differencing": True, "val_fraction": 0.1},
    }
    project = window.bridge.worker.project
    assert project.config.seq_len == 24 and project.corpus.differencing == 1
    assert project.corpus.columns == ("SUNACTIVITY",) and project.corpus.description["left_out"] == ["YEAR"]


def test_the_column_dialog_offers_the_columns_that_hold_texts_and_labels(qtbot, tmp_path):
    path = tmp_path / "packages.csv"
    rows = [("Package", "Section", "Description")] + [
        (f"pkg{i}", ("games", "devel", "doc")[i % 3], f"a long description of package number {i} for people")
        for i in range(30)
    ]
    path.write_text("\n".join(";".join(row) for row in rows), encoding="utf-8")
    header, guess = tasks.table_choices(path)  # the worker's half: what the file holds
    assert header == ["Package", "Section", "Description"] and guess == ("Description", "Section")
    dialog = ColumnDialog(path.name, header, guess=guess)
    qtbot.addWidget(dialog)
    assert dialog.columns() == ("Description", "Section")  # by names alone it would offer Package, Description
    assert ColumnDialog(path.name, header).columns() == ("Package", "Description")
