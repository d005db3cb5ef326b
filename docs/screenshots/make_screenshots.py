"""Render the README's screenshots of the window, offscreen, from real training runs.

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/screenshots/make_screenshots.py [SCENE ...]

Trains small models (about a minute on 2 CPU cores) and saves window.png-style images here.
The "handwriting" scene needs a trained handwriting synthesis project (`workbench demo
handwriting` makes one): HANDWRITING_PROJECT=handwriting.h5 ... make_screenshots.py handwriting
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from dataclasses import replace
from functools import partial
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from workbench.engine.data import load_demo  # noqa: E402
from workbench.engine.data.handwriting.strokes import offsets_to_strokes  # noqa: E402
from workbench.engine.project.starters import new_project  # noqa: E402
from workbench.ui import tasks  # noqa: E402
from workbench.ui.app import configure_pyqtgraph  # noqa: E402
from workbench.ui.export_dialog import ExportDialog  # noqa: E402
from workbench.ui.main_window import MainWindow  # noqa: E402

HERE = Path(__file__).resolve().parent
SIZE = (1600, 1000)


def pump(app: QApplication, until, timeout: float = 600.0) -> None:
    deadline = time.monotonic() + timeout
    while not until():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        app.processEvents()
        time.sleep(0.01)
    app.processEvents()


def train(app: QApplication, window: MainWindow, steps: int) -> None:
    finished = []
    window.bridge.run_finished.connect(finished.append)
    window.steps.setValue(steps)
    window.train()
    pump(app, lambda: bool(finished))
    time.sleep(0.3)
    pump(app, lambda: True)


def load(app: QApplication, window: MainWindow, make_project) -> None:
    window.files.load(lambda: tasks.install(window.bridge.worker, make_project()), None)
    pump(app, lambda: window.files.has_project)


def prose_project():
    project = new_project(load_demo("english-prose"), hidden=128, layers=1, learning_rate=4e-3)
    project.config = replace(
        project.config,
        probe_every=50,
        probe_budget=0.0,
        probe_length=120,
        sample_every=100,
        sample_budget=0.0,
        val_every=50,
    )  # a probe every 50 steps and a sample every 100 whatever they cost: snapshots to scrub through
    return project


def names_project(cell: str):
    project = new_project(load_demo("names"), demo="names", cell=cell)
    project.config = replace(project.config, sample_every=300, val_every=100)
    return project


def open_window(folder: Path) -> MainWindow:
    window = MainWindow(QSettings(str(folder / "s.ini"), QSettings.Format.IniFormat), folder / "autosave")
    window.resize(*SIZE)
    window.show()
    return window


def close_window(window: MainWindow) -> None:
    window.files.changed = False
    window.document.undo_stack.setClean()
    window.close()


def shoot(app: QApplication, window: MainWindow, tab, name: str) -> None:
    window.tabs.setCurrentWidget(tab)  # a tab shown now catches up with what it missed behind the others
    pump(
        app,
        lambda: (
            not (
                tab is window.dashboard
                and window.dashboard.next_shot_ms is not None
                or tab is window.internals
                and window.internals._dirty
            )
        ),
    )
    time.sleep(0.2)
    pump(app, lambda: True)
    window.grab().save(str(HERE / name))


def rnn_then_lstm(app: QApplication, window: MainWindow) -> None:
    load(app, window, partial(names_project, "rnn"))
    train(app, window, 1500)
    spec = window.document.spec
    window.document.edit(replace(spec, encoder=replace(spec.encoder, cell="lstm")), "Swap encoder cell to LSTM")
    train(app, window, 1500)
    shoot(app, window, window.dashboard, "training.png")
    shoot(app, window, window.editor, "model.png")


def inside_prose(app: QApplication, window: MainWindow) -> None:
    load(app, window, prose_project)
    train(app, window, 300)
    shoot(app, window, window.internals, "inside.png")


def handwriting(app: QApplication, window: MainWindow) -> None:
    """A training writer's line on the pad as the primer, the typed text written in that hand."""
    path = Path(os.environ["HANDWRITING_PROJECT"])
    window.files.load(lambda: tasks.open_project(window.bridge.worker, path), path)
    pump(app, lambda: window.files.has_project)
    panel = window.handwriting
    line = next(line for line in window.bridge.worker.project.corpus.lines("train") if len(line.text.split()) == 2)
    strokes = offsets_to_strokes(line.points)
    points = np.concatenate(strokes)
    scale = 90 / np.ptp(points[:, 1])
    panel.pad.set_strokes([((stroke - points.min(axis=0)) * scale + [30, 40]).astype(np.float32) for stroke in strokes])
    panel.primer_text_edit.setText(line.text)
    panel.text_edit.setText("sequence workbench")
    panel.bias_slider.setValue(panel.bias_slider.maximum() // 2)
    window.tabs.setCurrentWidget(panel)
    panel.write_button.click()
    pump(app, lambda: len(panel.written_strokes()) > 0 and not panel.is_animating())
    panel.predict_check.setChecked(True)
    pump(app, lambda: not panel.density.pending)
    shoot(app, window, panel, "handwriting.png")


def demo_project(name: str, cell: str = "lstm", **settings):
    project = new_project(load_demo(name), demo=name, cell=cell)
    project.config = replace(project.config, **settings)
    return project


def ask(app: QApplication, view, request) -> None:
    """Make a Results tab request and wait for its answer; first, the answer to one already out
    (a run's end scores the Results tab by itself, and a view takes one request at a time)."""
    pump(app, lambda: not view.waiting)
    request()
    pump(app, lambda: not view.waiting)


def classifier(app: QApplication, window: MainWindow) -> None:
    load(app, window, partial(demo_project, "names-sex", val_every=100))
    train(app, window, 800)
    view = window.results.classify_view
    view.text_edit.setText("Andrea")
    ask(app, view, view.classify_button.click)
    shoot(app, window, window.results, "results_classifier.png")


def tagger(app: QApplication, window: MainWindow) -> None:
    load(app, window, partial(demo_project, "python-tags", val_every=100))
    train(app, window, 400)
    view = window.results.tag_view
    view.text_edit.setPlainText(
        'def greet(name, times=2):\n    """Say hello."""\n    for _ in range(times):  # twice\n'
        '        print(f"hello {name}!")\n    return None\n'
    )
    ask(app, view, view.tag_button.click)
    shoot(app, window, window.results, "results_tagger.png")


def translator(app: QApplication, window: MainWindow) -> None:
    load(app, window, partial(demo_project, "dates", val_every=250))
    train(app, window, 1500)
    view = window.results.translate_view
    view.text_edit.setText("Sunday, 22 November 2026")
    ask(app, view, view.translate_button.click)
    ask(app, view, view.evaluate_button.click)
    shoot(app, window, window.results, "results_translator.png")


def forecaster(app: QApplication, window: MainWindow) -> None:
    load(app, window, partial(demo_project, "weather", val_every=250))
    train(app, window, 1500)
    view = window.results.forecast_view
    ask(app, view, view.request_evaluation)
    ask(app, view, view.request_forecast)
    shoot(app, window, window.results, "results_forecast.png")


def captioner(app: QApplication, window: MainWindow) -> None:
    load(app, window, partial(demo_project, "scenes", val_every=250))
    train(app, window, 1200)
    view = window.results.caption_view
    view.scene_spin.setValue(3)
    ask(app, view, view.caption_button.click)
    view.click_word(1)  # the colour of the first shape: where did it look?
    shoot(app, window, window.results, "results_captioner.png")


def long_range_lab(app: QApplication, window: MainWindow) -> None:
    """The adding problem at T = 50: RNN, LSTM and GRU by one click; then a tanh RNN's gradient
    through time."""
    load(app, window, partial(demo_project, "adding", val_every=100, probe_every=100, probe_budget=0.0))
    window.steps.setValue(2000)
    window.compare_cells()
    pump(app, lambda: not window.comparison.running and not window.bridge.training)
    window.dashboard.toolbar.log_scale_check.setChecked(True)
    shoot(app, window, window.dashboard, "lab_training.png")
    load(app, window, partial(demo_project, "adding", cell="rnn", probe_every=50, probe_budget=0.0))
    train(app, window, 300)
    window.internals.tabs.setCurrentWidget(window.internals.gradient_view)
    shoot(app, window, window.internals, "lab_inside.png")


def export(app: QApplication, window: MainWindow) -> None:
    """File ▸ Export… of the dates translator as ONNX: encoder and decoder files, the script, the check."""
    load(app, window, partial(demo_project, "dates", val_every=0))
    train(app, window, 300)
    folder = Path(tempfile.mkdtemp())
    window.files.save_to(folder / "dates.h5")
    dialog = ExportDialog(window.bridge, window.trained_spec, window.files.path, window)
    dialog.show()
    dialog.export_button.click()
    pump(app, lambda: not dialog.running)
    app.processEvents()
    dialog.grab().save(str(HERE / "export.png"))
    dialog.close()


SCENES = {
    "training": rnn_then_lstm,
    "inside": inside_prose,
    "handwriting": handwriting,
    "classifier": classifier,
    "tagger": tagger,
    "translator": translator,
    "forecaster": forecaster,
    "lab": long_range_lab,
    "captioner": captioner,
    "export": export,
}


def main(scenes: list[str]) -> int:
    app = QApplication(sys.argv[:1])
    configure_pyqtgraph()
    folder = Path(tempfile.mkdtemp())
    for name in scenes or [scene for scene in SCENES if scene != "handwriting"]:
        window = open_window(folder)
        try:
            SCENES[name](app, window)
        finally:
            close_window(window)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
