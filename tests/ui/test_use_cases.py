"""The use cases in the window, through the real engine worker: a classifier's scores and a typed
name, a translator's attention for a typed date, a forecast against the truth."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QMessageBox
from test_main_window import install, make_window, save_as  # noqa: F401 (fixture)
from tiny import TINY_CONFIG

from workbench.engine.data.labelled import labelled_corpus
from workbench.engine.data.pairs import pairs_from_items
from workbench.engine.data.scene_drawing import generate_scenes
from workbench.engine.data.scenes import scenes_from_items
from workbench.engine.data.series import SeriesCorpus
from workbench.engine.model.templates import from_template
from workbench.engine.project.project import Project
from workbench.engine.spec import RecurrentSpec
from workbench.ui.column_dialog import SeriesColumnsDialog


def load(window, qtbot, corpus, template, **config):
    spec = from_template(template, corpus.task(8), RecurrentSpec("gru", 16, 1))
    settings = replace(TINY_CONFIG, **config)
    install(window, qtbot, lambda: Project.create(spec, corpus, settings))


def endings():
    rng = np.random.default_rng(0)
    words = ["".join(rng.choice(list("abcdefghik"), rng.integers(3, 8))) for _ in range(100)]
    return labelled_corpus(words, ["vowel" if w[-1] in "aeiou" else "consonant" for w in words], "class", "t", "Ends")


def test_a_classifier_shows_its_validation_scores_and_answers_a_typed_word(
    qtbot,
    make_window,  # noqa: F811
    tmp_path,
    monkeypatch,
):
    window = make_window()
    settings = dict(batch_size=16, learning_rate=1e-2, val_every=50, metrics_interval_s=0.05)
    load(window, qtbot, endings(), "attention", **settings)
    window.tabs.setCurrentWidget(window.results)
    assert window.results.kind == "classification" and window.results.scores.placeholder.isVisible()
    assert not window.samples.sample_button.isEnabled()  # a classifier does not write text
    assert "Try it in the Results tab" in window.samples.log_view.placeholderText()
    assert "· vowel</td>" in window.data_panel.stats.text() and "commonest label" in window.data_panel.stats.text()
    window.steps.setValue(150)
    with qtbot.waitSignal(window.bridge.run_finished, timeout=30_000):
        window.train()
    qtbot.waitUntil(lambda: "step 150" in window.results.scores.headline.text(), timeout=5_000)
    counts = [window.results.scores.confusion.cell_text(row, column) for row in range(2) for column in range(2)]
    assert sum(int(count) for count in counts) == 10  # every validation word once
    view = window.results.classify_view
    qtbot.keyClicks(view.text_edit, "bedica")
    qtbot.keyClick(view.text_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.answer.isVisible() and view.classify_button.isEnabled(), timeout=10_000)
    assert "<b>vowel</b>" in view.answer_label.text()
    qtbot.keyClicks(view.text_edit, "z")  # a letter the data never had
    qtbot.keyClick(view.text_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "never had the character 'z'" in view.error_label.text(), timeout=10_000)
    assert save_as(window, tmp_path / "endings.h5", monkeypatch)
    headline = window.results.scores.headline.text()
    window.close()  # the window writes endings.h5 until it closes: another would be refused
    reopened = make_window()
    reopened.files.open(tmp_path / "endings.h5")
    qtbot.waitUntil(lambda: "step 150" in reopened.results.scores.headline.text(), timeout=10_000)
    assert reopened.results.scores.headline.text() == headline


def test_a_translator_shows_where_it_looked_for_a_typed_source(qtbot, make_window):  # noqa: F811
    numbers = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"]
    corpus = pairs_from_items([(word, str(i + 1)) for i, word in enumerate(numbers)], "t", "Numbers", val_fraction=0.2)
    window = make_window()
    load(window, qtbot, corpus, "attention", batch_size=8, learning_rate=1e-2, seq_len=20)
    assert window.results.kind == "translation"
    view = window.results.translate_view
    view.text_edit.setText("seven")
    qtbot.mouseClick(view.translate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.translate_button.isEnabled() and bool(view.output_label.text()), timeout=10_000)
    image = view.attention_map.image.image
    assert image.shape[1] == 5 and np.allclose(image.sum(1), 1, atol=1e-4)  # each output step spreads one unit


def test_a_forecaster_plots_its_forecast_against_the_truth(qtbot, make_window):  # noqa: F811
    steps = np.arange(3000)
    values = np.stack([np.sin(steps / 8), np.cos(steps / 13)], 1).astype(np.float32)
    corpus = SeriesCorpus.from_values(values, ("a", "b"), "t", "Waves")
    window = make_window()
    load(window, qtbot, corpus, "stacked", seq_len=32)
    assert window.results.kind == "forecasting"
    assert "validation steps</td><td align='right'>&nbsp;&nbsp;300<" in window.data_panel.stats.text()
    view = window.results.forecast_view
    view.request_forecast()
    qtbot.waitUntil(lambda: not view.waiting and view.truth_curve.getData()[1] is not None, timeout=10_000)
    shown = view.truth_curve.getData()[1][1:]  # the curve starts at the last value of the history
    start = corpus.stats()["train_steps"] + view.start
    np.testing.assert_allclose(shown, values[start : start + view.horizon, 0], rtol=1e-5)


def test_a_series_file_asks_which_numeric_columns_to_model(qtbot, make_window, tmp_path, monkeypatch):  # noqa: F811
    path = tmp_path / "sensor.csv"
    path.write_text("time,temp,rain,site\n" + "".join(f"t{i},{i % 24},{i % 5},north\n" for i in range(3000)))
    offered = {}

    def exec_dialog(dialog):
        offered["columns"] = [dialog.list.item(row).text() for row in range(dialog.list.count())]
        offered["checked"] = dialog.columns()
        dialog.list.item(2).setCheckState(Qt.CheckState.Unchecked)  # keep the temperature only
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(SeriesColumnsDialog, "exec", exec_dialog)
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: pytest.fail(text))
    window = make_window()
    window.data_panel.file_requested.emit(path, "series", "char")
    qtbot.waitUntil(lambda: window.files.has_project, timeout=10_000)
    assert offered == {
        "columns": ["time (not numbers)", "temp", "rain", "site (not numbers)"],
        "checked": ("temp", "rain"),
    }
    assert window.bridge.worker.project.corpus.columns == ("temp",) and window.results.kind == "forecasting"


def test_a_captioner_writes_about_a_validation_picture_with_its_attention(qtbot, make_window):  # noqa: F811
    images, captions = generate_scenes(40, seed=1, size=24)
    corpus = scenes_from_items(images, captions, "t", "Scenes", val_fraction=0.25)
    window = make_window()
    spec = from_template("captioning", corpus.task(8), RecurrentSpec("lstm", 16, 1))
    settings = replace(TINY_CONFIG, seq_len=12)
    install(window, qtbot, lambda: Project.create(spec, corpus, settings))
    assert window.results.kind == "captioning"
    assert "validation pictures</td><td align='right'>&nbsp;&nbsp;10<" in window.data_panel.stats.text()
    view = window.results.caption_view
    view.scene_spin.setValue(3)
    qtbot.mouseClick(view.caption_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.caption_button.isEnabled() and not view.waiting, timeout=10_000)
    reference = view.reference_label.text()
    assert "✓ matches the reference" in reference or corpus.caption_texts("val")[3] in reference
    assert len(view.thumbnails) == len(view.caption_label.text().split("<a")) - 1 > 0  # one picture per word


def test_a_series_file_without_numbers_is_refused_in_words(qtbot, make_window, tmp_path, monkeypatch):  # noqa: F811
    path = tmp_path / "words.csv"
    path.write_text("a,b\n" + "x,y\n" * 20)
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: shown.append(text))
    window = make_window()
    window.data_panel.file_requested.emit(path, "series", "char")
    qtbot.waitUntil(lambda: bool(shown), timeout=10_000)
    assert "words.csv: no column holds numbers" in shown[0] and not window.files.has_project
